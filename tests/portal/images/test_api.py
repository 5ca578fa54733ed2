"""/api/v1/images/ and an image's history: who sees which images, filters, layers shared."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from tests.portal.factories import make_image, make_offline_host, make_user

pytestmark = pytest.mark.django_db

IMAGES_URL = "/api/v1/images/"
BASE, MIDDLE, TOP = ("sha256:" + c * 64 for c in "abc")


def image_url(image, rest: str = "") -> str:
    return f"{IMAGES_URL}{image.pk}/{rest}"


def layer(diff_id: str | None, created_by: str = "ADD file in /", size: int = 100) -> dict:
    return {"diff_id": diff_id, "size": size, "created_by": created_by, "created": None, "comment": ""}


def tags(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    return [i["tags"] for i in response.json()["results"]]


# --- who sees what ----------------------------------------------------------------------------


def test_without_credentials_the_list_is_a_401(api, web_1):
    make_image(web_1, ["busybox:latest"])

    assert api.get(IMAGES_URL).status_code == 401


def test_a_plain_user_sees_no_images_and_an_image_is_a_404(api, web_1):
    image = make_image(web_1, ["busybox:latest"])
    api.force_authenticate(make_user())

    assert api.get(IMAGES_URL).json()["count"] == 0
    assert api.get(image_url(image)).status_code == 404
    assert api.get(image_url(image, "history/")).status_code == 404


def test_a_viewer_of_one_host_sees_only_its_images(api, viewer_on, web_1, web_2):
    mine = make_image(web_1, ["mine:1"])
    theirs = make_image(web_2, ["theirs:1"])
    api.force_authenticate(viewer_on(make_user(), web_1))

    assert tags(api.get(IMAGES_URL)) == [["mine:1"]]
    assert api.get(image_url(mine, "history/")).status_code == 200
    assert api.get(image_url(theirs)).status_code == 404
    assert api.get(image_url(theirs, "history/")).status_code == 404


# --- what an image looks like -------------------------------------------------------------------


def test_an_image_has_its_tags_size_and_layer_count(as_admin, web_1):
    created = datetime(2030, 1, 1, 11, 0, tzinfo=UTC)
    image = make_image(
        web_1,
        ["registry.local:5000/team/app:1.0", "app:latest"],
        size=5_000_000,
        created=created,
        digests=["registry.local:5000/team/app@sha256:" + "d" * 64],
        layers=[layer(BASE), layer(None, 'CMD ["sh"]', 0), layer(TOP)],
    )

    body = as_admin.get(image_url(image)).json()

    assert body["engine_id"] == image.engine_id
    assert body["host"] == web_1.pk
    assert body["tags"] == ["app:latest", "registry.local:5000/team/app:1.0"]
    assert body["size"] == 5_000_000
    assert body["created"] == "2030-01-01T11:00:00Z"
    assert body["dangling"] is False
    assert body["layer_count"] == 2
    assert body["stale"] is False
    assert body["removed_at"] is None


def test_an_image_without_tags_is_dangling(as_admin, web_1):
    make_image(web_1)

    [image] = as_admin.get(IMAGES_URL).json()["results"]

    assert (image["tags"], image["dangling"]) == ([], True)


def test_an_image_of_an_offline_host_is_stale(as_admin):
    image = make_image(make_offline_host("gone"), ["app:1"])

    assert as_admin.get(image_url(image)).json()["stale"] is True


def test_a_removed_image_is_not_listed_but_its_page_answers(as_admin, web_1):
    make_image(web_1, ["kept:1"])
    removed = make_image(web_1, ["gone:1"], removed_at=timezone.now())

    assert tags(as_admin.get(IMAGES_URL)) == [["kept:1"]]
    body = as_admin.get(image_url(removed)).json()
    assert body["removed_at"] is not None
    assert body["tags"] == ["gone:1"]


# --- filters ------------------------------------------------------------------------------------


@pytest.fixture
def images(web_1, web_2):
    make_image(web_1, ["nginx:1.25", "nginx:latest"], engine_id="sha256:abc" + "0" * 61)
    make_image(web_1, ["python:3.11"])
    make_image(web_1)
    make_image(web_2, ["127.0.0.1:5000/team/nginx:dev"])
    return web_1, web_2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "nginx"}, [["nginx:1.25", "nginx:latest"], ["127.0.0.1:5000/team/nginx:dev"]]),
        ({"q": "NGINX:LATEST"}, [["nginx:1.25", "nginx:latest"]]),
        ({"q": "5000/team"}, [["127.0.0.1:5000/team/nginx:dev"]]),
        ({"q": "abc0"}, [["nginx:1.25", "nginx:latest"]]),
        ({"q": "sha256:abc"}, [["nginx:1.25", "nginx:latest"]]),
        ({"dangling": "true"}, [[]]),
        ({"dangling": "false", "q": "python"}, [["python:3.11"]]),
    ],
)
def test_the_list_filters(as_admin, images, params, expected):
    assert sorted(tags(as_admin.get(IMAGES_URL, params))) == sorted(expected)


def test_the_list_filters_by_host(as_admin, images):
    _, web_2 = images

    assert tags(as_admin.get(IMAGES_URL, {"host": web_2.pk})) == [["127.0.0.1:5000/team/nginx:dev"]]


@pytest.mark.parametrize(
    ("params", "detail"),
    [({"dangling": "maybe"}, "dangling: 'maybe' is neither true nor false."), ({"host": "x"}, "host: 'x' is not")],
)
def test_a_bad_filter_is_a_400_naming_it(as_admin, params, detail):
    response = as_admin.get(IMAGES_URL, params)

    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)


@pytest.mark.parametrize("count", [1, 30])
def test_listing_takes_the_same_queries_however_many_images(as_admin, django_assert_num_queries, web_1, count):
    for number in range(count):
        make_image(web_1, [f"app:{number}", f"other:{number}"])

    with django_assert_num_queries(3):  # count + page (with hosts) + tags
        response = as_admin.get(IMAGES_URL)

    assert response.json()["count"] == count


# --- history --------------------------------------------------------------------------------------


def test_the_history_is_the_layer_stack_with_the_images_sharing_each_layer(as_admin, web_1, web_2):
    # Given three images on web-1 built on one another, and one on web-2 with the same base
    stack = [layer(BASE, "ADD rootfs"), layer(None, 'CMD ["sh"]', 0), layer(MIDDLE, "RUN make"), layer(TOP, "COPY app")]
    image = make_image(web_1, ["app:2"], layers=stack)
    parent = make_image(web_1, ["app:1"], layers=stack[:3])
    base = make_image(web_1, ["busybox:latest", "busybox:1.36"], layers=stack[:2])
    make_image(web_1, ["gone:1"], layers=stack, removed_at=timezone.now())
    make_image(web_2, ["elsewhere:1"], layers=stack[:1])

    response = as_admin.get(image_url(image, "history/"))

    # Then it lists the layers base to top, each shared with the other live images of its host
    assert response.status_code == 200
    layers = response.json()
    assert [(item["diff_id"], item["created_by"]) for item in layers] == [
        (BASE, "ADD rootfs"),
        (None, 'CMD ["sh"]'),
        (MIDDLE, "RUN make"),
        (TOP, "COPY app"),
    ]
    assert layers[0]["shared_with"] == [
        {"id": parent.pk, "engine_id": parent.engine_id, "tags": ["app:1"]},
        {"id": base.pk, "engine_id": base.engine_id, "tags": ["busybox:1.36", "busybox:latest"]},
    ]
    assert layers[1]["shared_with"] == []  # an instruction that made no layer shares nothing
    assert [other["id"] for other in layers[2]["shared_with"]] == [parent.pk]
    assert layers[3]["shared_with"] == []


def test_the_history_of_an_image_whose_layers_are_not_known_is_empty(as_admin, web_1):
    image = make_image(web_1, ["app:1"])

    assert as_admin.get(image_url(image, "history/")).json() == []


@pytest.mark.parametrize("others", [1, 20])
def test_the_history_takes_the_same_queries_however_many_images_share(
    as_admin, django_assert_num_queries, web_1, others
):
    image = make_image(web_1, ["app:1"], layers=[layer(BASE), layer(TOP)])
    for number in range(others):
        make_image(web_1, [f"other:{number}"], layers=[layer(BASE)])

    with django_assert_num_queries(3):  # image + the host's other images + their tags
        response = as_admin.get(image_url(image, "history/"))

    assert len(response.json()[0]["shared_with"]) == others


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_changes_other_than_the_operations_are_not_offered(as_admin, web_1, method):
    image = make_image(web_1, ["app:1"])
    url = IMAGES_URL if method == "post" else image_url(image)

    assert getattr(as_admin, method)(url, {}, format="json").status_code == 405
