"""An image's history shows the values its build saw: build args (Docker writes them before a RUN
step's command, "|1 PASSWORD=… /bin/sh -c …"), ARG defaults and ENV values. Build-arg values are
never stored; below developer on the image's host, ENV values are masked too."""

from datetime import timedelta

import pytest

from portal.access.secrets import MASK, mask_history, scrub_build_args
from portal.images.models import Image
from portal.ingest.reports import apply_host_report
from tests.portal.clock import T0
from tests.portal.factories import make_binding, make_image, make_team, make_user
from tests.portal.inventory.factories import image_record

pytestmark = pytest.mark.django_db

SECRET = "hunter2-s3cret"
# One build's history as the engine gives it, base first: the classic builder's and BuildKit's ways.
BUILD = [
    "/bin/sh -c #(nop) ADD file:abc in / ",
    f"/bin/sh -c #(nop)  ARG DB_PASSWORD={SECRET}",
    f"|2 API_TOKEN={SECRET} DB_PASSWORD={SECRET} extra words /bin/sh -c ./configure --with-db",
    f"RUN |1 API_TOKEN={SECRET} /bin/sh -c make install # buildkit",
    f"ENV DB_PASSWORD={SECRET} PATH=/usr/local/bin",
    'CMD ["sh"]',
]


def _layers(created_by: list[str]) -> list[dict]:
    return [
        {"diff_id": f"sha256:{i:064x}", "size": 10, "created_by": line, "created": None, "comment": ""}
        for i, line in enumerate(created_by)
    ]


@pytest.mark.parametrize(
    ("line", "stored", "shown_below_developer"),
    [
        (
            f"|1 PASSWORD={SECRET} /bin/sh -c echo $PASSWORD",
            f"|1 PASSWORD={MASK} /bin/sh -c echo $PASSWORD",
            f"|1 PASSWORD={MASK} /bin/sh -c echo $PASSWORD",
        ),
        (
            f"|2 A={SECRET} with spaces B={SECRET} /bin/sh -c make",
            f"|2 A={MASK} B={MASK} /bin/sh -c make",
            f"|2 A={MASK} B={MASK} /bin/sh -c make",
        ),
        (
            f"RUN |1 TOKEN={SECRET} /bin/sh -c make # buildkit",
            f"RUN |1 TOKEN={MASK} /bin/sh -c make # buildkit",
            f"RUN |1 TOKEN={MASK} /bin/sh -c make # buildkit",
        ),
        (f"ARG TOKEN={SECRET} USER=me", f"ARG TOKEN={MASK} USER={MASK}", f"ARG TOKEN={MASK} USER={MASK}"),
        ("ARG TOKEN", "ARG TOKEN", "ARG TOKEN"),
        (
            f"/bin/sh -c #(nop)  ENV DB_PASSWORD={SECRET}",
            f"/bin/sh -c #(nop)  ENV DB_PASSWORD={SECRET}",
            f"/bin/sh -c #(nop)  ENV DB_PASSWORD={MASK}",
        ),
        (f"ENV LEGACY {SECRET} too", f"ENV LEGACY {SECRET} too", f"ENV LEGACY {MASK}"),
        (
            "RUN /bin/sh -c echo A=1 # buildkit",
            "RUN /bin/sh -c echo A=1 # buildkit",
            "RUN /bin/sh -c echo A=1 # buildkit",
        ),
        (
            "/bin/sh -c #(nop) ADD file:abc in /",
            "/bin/sh -c #(nop) ADD file:abc in /",
            "/bin/sh -c #(nop) ADD file:abc in /",
        ),
    ],
)
def test_history_lines_lose_build_arg_values_and_below_developer_env_values(line, stored, shown_below_developer):
    assert scrub_build_args(line) == stored
    assert mask_history(line) == shown_below_developer


def test_the_inventory_never_stores_build_arg_values(worker):
    record = {**image_record(tags=["app:1"]), "layers": _layers(BUILD)}

    apply_host_report(worker.inventory(images=[record]), now=T0 + timedelta(seconds=1))

    stored = Image.objects.get(engine_id=record["engine_id"]).layers
    assert [layer["created_by"] for layer in stored] == [
        BUILD[0],
        f"/bin/sh -c #(nop)  ARG DB_PASSWORD={MASK}",
        f"|2 API_TOKEN={MASK} DB_PASSWORD={MASK} /bin/sh -c ./configure --with-db",
        f"RUN |1 API_TOKEN={MASK} /bin/sh -c make install # buildkit",
        BUILD[4],  # an ENV value is the image's own (its inspect shows it to developers)
        BUILD[5],
    ]


@pytest.mark.parametrize(("role", "shown"), [("viewer", False), ("operator", False), ("developer", True)])
def test_the_history_api_masks_values_below_developer_on_the_images_host(api, web_1, role, shown):
    # An image stored before build args were scrubbed still has them: the API masks them anyway.
    image = make_image(web_1, ["app:1"], layers=_layers(BUILD))
    user = make_user(role)
    make_binding(make_team(user), role, web_1)
    api.force_authenticate(user)

    history = [layer["created_by"] for layer in api.get(f"/api/v1/images/{image.pk}/history/").json()]

    assert history[5] == 'CMD ["sh"]' and history[0] == BUILD[0]
    if shown:
        assert history == BUILD
    else:
        assert SECRET not in " ".join(history)
        assert history[4] == f"ENV DB_PASSWORD={MASK} PATH={MASK}"
