"""Starting operations through the API: 202 with the operation and a task on the host's queue,
or a 4xx sentence and nothing recorded or sent."""

import pytest

from portal.audit.models import AuditEvent
from portal.operations.dispatch import send_operation_task
from portal.operations.models import Operation
from tests.portal.factories import make_binding, make_container, make_image, make_offline_host, make_team, make_user
from tests.portal.registries.conftest import make_registry

pytestmark = pytest.mark.django_db(transaction=True)


def developer_on(api, host):
    user = make_user()
    make_binding(make_team(user), "developer", host)
    api.force_authenticate(user)
    return user


def test_a_run_is_recorded_pending_audited_and_sent_to_its_host(as_admin, host, sent):
    response = as_admin.post(
        "/api/v1/containers/",
        {"host": host.pk, "image": "busybox", "name": "web", "ports": ["8080:80"], "env": {"A": "1"}, "memory": "64m"},
        format="json",
    )

    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["kind"], body["state"], body["host"]) == ("container.run", "pending", host.pk)
    [(slug, operation, auth)] = sent
    assert slug == "web-1" and auth is None
    spec = operation["params"]["spec"]
    assert spec["ports"] == [{"container_port": 80, "host_port": 8080, "protocol": "tcp", "host_ip": ""}]
    assert spec["env"] == {"A": "1"} and spec["memory"] == 64 * 1024 * 1024
    assert AuditEvent.objects.filter(action="container.run", host=host).count() == 1


def test_an_offline_host_is_a_503_and_nothing_is_recorded(as_admin, sent):
    offline = make_offline_host("gone")

    response = as_admin.post("/api/v1/images/pull/", {"host": offline.pk, "reference": "busybox"}, format="json")

    assert response.status_code == 503
    assert response.json() == {
        "detail": "Host gone is offline (its worker is not answering): nothing was done. Try again when it is back.",
        "code": "host_offline",
    }
    assert not Operation.objects.exists() and not sent


def test_a_developer_may_not_bind_mount_a_host_path(api, host, sent):
    developer_on(api, host)

    response = api.post(
        "/api/v1/containers/", {"host": host.pk, "image": "busybox", "volumes": ["/etc:/etc2"]}, format="json"
    )

    assert response.status_code == 403
    assert "bind mount of host path /etc" in response.json()["detail"]
    assert not sent


def test_a_name_in_use_and_a_published_port_in_use_are_conflicts(as_admin, host, sent):
    make_container(host, "web", ports=[{"private_port": 80, "public_port": 8080, "type": "tcp", "ip": ""}])

    run = {"host": host.pk, "image": "busybox"}
    taken = as_admin.post("/api/v1/containers/", {**run, "name": "web"}, format="json")
    port = as_admin.post("/api/v1/containers/", {**run, "ports": ["8080:80"]}, format="json")

    assert (taken.status_code, taken.json()["code"]) == (409, "name_in_use")
    assert (port.status_code, port.json()["code"]) == (409, "port_allocated")
    assert "8080/tcp is already allocated" in port.json()["detail"]
    assert not sent


def test_a_pull_with_a_registry_sends_its_credentials_with_that_task_only(as_admin, host, sent):
    registry = make_registry(url="http://127.0.0.1:5000", username="berth", password="s3cret-pass")

    response = as_admin.post(
        "/api/v1/images/pull/",
        {"host": host.pk, "reference": "127.0.0.1:5000/team/app:1", "registry": registry.pk},
        format="json",
    )

    assert response.status_code == 202, response.content
    [(_, operation, auth)] = sent
    assert auth == {"username": "berth", "password": "s3cret-pass", "serveraddress": "127.0.0.1:5000"}
    assert "s3cret-pass" not in response.content.decode() and "s3cret-pass" not in str(operation)
    assert "s3cret-pass" not in str(list(Operation.objects.values()))


def test_a_registrys_credentials_never_go_to_another_registry(as_admin, host, sent):
    registry = make_registry(url="http://127.0.0.1:5000", username="berth", password="s3cret-pass")

    response = as_admin.post(
        "/api/v1/images/pull/",
        {"host": host.pk, "reference": "evil.example:5000/app", "registry": registry.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "registry_mismatch"
    assert "write the reference as 127.0.0.1:5000/" in response.json()["detail"]
    assert not sent and not Operation.objects.exists()


def test_without_a_registry_named_the_one_usable_registry_at_that_address_lends_its_credentials(as_admin, host, sent):
    make_registry(url="http://127.0.0.1:5000", username="berth", password="s3cret-pass")

    named = as_admin.post("/api/v1/images/pull/", {"host": host.pk, "reference": "127.0.0.1:5000/a:1"}, format="json")
    elsewhere = as_admin.post("/api/v1/images/pull/", {"host": host.pk, "reference": "busybox:1"}, format="json")

    assert named.status_code == elsewhere.status_code == 202
    assert [auth for _, _, auth in sent] == [
        {"username": "berth", "password": "s3cret-pass", "serveraddress": "127.0.0.1:5000"},
        None,
    ]


def test_a_registry_the_user_may_not_see_is_a_404(api, host, sent):
    developer_on(api, host)
    hidden = make_registry(url="http://127.0.0.1:5000", team=make_team())

    response = api.post(
        "/api/v1/images/pull/",
        {"host": host.pk, "reference": "127.0.0.1:5000/a:1", "registry": hidden.pk},
        format="json",
    )

    assert response.status_code == 404
    assert not sent


@pytest.mark.parametrize(
    ("verb", "state", "code"),
    [("pause", "exited", 409), ("unpause", "running", 409), ("kill", "created", 409), ("start", "running", 409)],
)
def test_actions_refuse_a_container_in_the_wrong_state(as_admin, host, sent, verb, state, code):
    container = make_container(host, "web", state=state)

    response = as_admin.post(f"/api/v1/containers/{container.pk}/{verb}/")

    assert response.status_code == code
    assert "web" in response.json()["detail"]
    assert not sent


def test_remove_of_a_running_container_needs_force(as_admin, host, sent):
    container = make_container(host, "web", state="running")

    refused = as_admin.delete(f"/api/v1/containers/{container.pk}/")
    forced = as_admin.delete(f"/api/v1/containers/{container.pk}/?force=true&volumes=true")

    assert refused.status_code == 409 and "stop it first" in refused.json()["detail"]
    assert forced.status_code == 202
    params = sent[0][1]["params"]
    assert params == {"container_id": container.engine_id, "subject": "web", "force": True, "volumes": True}


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

    send_operation_task("web-1", {"id": 1, "kind": "image.pull", "params": {}}, auth, app=app)

    assert app.options["kwargs"]["auth_config"] == auth  # the worker gets them …
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


def test_a_build_context_over_the_cap_is_refused_before_anything_is_stored(as_admin, host, sent, settings, monkeypatch):
    import io
    import tarfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.BERTH_BUILD_CONTEXT_MAX_MB = 0.01  # about 10 KB
    stored = []
    monkeypatch.setattr("portal.images.api.tags.store_upload", lambda *args: stored.append(args))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, size in (("Dockerfile", 20), ("big.bin", 50_000)):
            info = tarfile.TarInfo(name)
            info.size = size
            archive.addfile(info, io.BytesIO(b"x" * size))
    upload = SimpleUploadedFile("context.tar", buffer.getvalue())

    response = as_admin.post("/api/v1/images/build/", {"host": host.pk, "context": upload}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "context_too_large"
    assert "larger than 0.01 MB" in response.json()["detail"]
    assert not stored and not sent and not Operation.objects.exists()
