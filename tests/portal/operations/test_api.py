"""Starting operations through the API: 202 with the operation and a task on the host's queue,
or a 4xx sentence and nothing recorded or sent; the operations list."""

import pytest

from portal.operations.dispatch import send_operation_task
from portal.operations.models import Operation
from tests.portal.factories import developer_on, make_container, make_image, make_offline_host
from tests.portal.hosts.factories import enrolled_worker
from wire.sealing import unseal

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_offline_host_is_a_503_and_nothing_is_recorded(as_admin, sent):
    offline = make_offline_host("gone")

    response = as_admin.post("/api/v1/images/pull/", {"host": offline.pk, "reference": "busybox"}, format="json")

    assert response.status_code == 503
    assert response.json() == {
        "detail": "Host gone is offline (its worker is not answering): nothing was done. Try again when it is back.",
        "code": "host_offline",
    }
    assert not Operation.objects.exists() and not sent


def test_bad_input_is_a_sentence(as_admin, host, sent):
    image = make_image(host, ["app:1"])
    cases = [
        ("/api/v1/containers/", {"host": host.pk, "image": "a b"}, "is not a valid image reference"),
        ("/api/v1/containers/", {"host": host.pk, "image": "x", "cpus": -1}, "cpus"),
        (
            "/api/v1/containers/",
            {"host": host.pk, "image": "x", "auto_remove": True, "restart_policy": "always"},
            "one",
        ),
        (f"/api/v1/images/{image.pk}/tag/", {"repository": "UP", "tag": "1"}, "lower case"),
        (f"/api/v1/images/{image.pk}/tag/", {"repository": "app", "tag": "-bad"}, "is not a tag"),
        (f"/api/v1/images/{image.pk}/push/", {"reference": "app@sha256:" + "a" * 64}, "not a digest"),
        ("/api/v1/images/pull/", {"host": host.pk, "reference": ""}, "reference"),
    ]
    for url, body, words in cases:
        response = as_admin.post(url, body, format="json")
        assert response.status_code == 400, (url, body, response.content)
        assert words in response.json()["detail"], (body, response.json())
    assert not sent


def test_the_tasks_printable_form_hides_the_credentials():
    class App:
        def send_task(self, name, **options):
            self.options = options

    app = App()
    auth = {"username": "u", "password": "s3cret", "serveraddress": "r:5000"}
    keys = enrolled_worker("web-1").keys

    send_operation_task("web-1", {"id": 1, "kind": "image.pull", "params": {}}, auth, app=app)

    assert unseal(keys, app.options["kwargs"]["auth_config"]) == auth  # the worker (only it) opens them …
    assert "s3cret" not in repr(app.options["kwargs"])  # … the broker holds ciphertext …
    assert "s3cret" not in app.options["kwargsrepr"] + app.options["argsrepr"]  # … logs never show them
    assert app.options["queue"] == "host.web-1"


def test_operations_list_filters_and_never_shows_other_hosts(api, host, sent):
    other = make_offline_host("other")
    developer_on(api, host)
    mine = Operation.objects.create(host=host, kind="image.pull", state="running", target_repr="a:1")
    Operation.objects.create(host=host, kind="image.pull", state="failed", target_repr="b:1")
    Operation.objects.create(host=other, kind="image.pull", state="running", target_repr="c:1")

    active = api.get("/api/v1/operations/?active=true").json()
    bad = api.get("/api/v1/operations/?state=sleeping")

    assert [o["id"] for o in active["results"]] == [mine.pk]
    assert bad.status_code == 400


def test_the_operations_list_takes_the_same_queries_for_one_row_or_many(as_admin, host, django_assert_max_num_queries):

    for i in range(20):
        container = make_container(host, f"c{i}")
        Operation.objects.create(host=host, kind="container.run", result={"container_id": container.engine_id})

    with django_assert_max_num_queries(8):
        body = as_admin.get("/api/v1/operations/").json()

    assert len(body["results"]) == 20
    assert all(o["container"] is not None for o in body["results"])
