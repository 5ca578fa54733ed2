"""Container actions through the API: 202 with the operation and a task on the host's queue, or a
4xx sentence and nothing sent."""

import pytest

from portal.audit.models import AuditEvent
from tests.portal.factories import developer_on, make_container

pytestmark = pytest.mark.django_db(transaction=True)


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
