"""Refusals are audited alike at every door: the API, the pages and the sockets each write one
denied row (the policy action, the user, the target and its host, where it was asked) through
portal.audit.refusals.record_refusal."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from portal.asgi import application
from portal.audit.models import AuditEvent
from tests.portal.audit.factories import make_user_with
from tests.portal.factories import make_container, make_online_host, make_team, make_token
from tests.portal.registries.conftest import make_registry

pytestmark = pytest.mark.django_db

DOCKER_SOCKET = {"HostConfig": {"Binds": ["/var/run/docker.sock:/var/run/docker.sock"]}}


def denied() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(outcome="denied").order_by("pk"))


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def socket_close(path: str, user) -> dict:
    token = make_token(user)

    async def connect():
        communicator = WebsocketCommunicator(application, f"{path}?token={token}")
        await communicator.connect(timeout=10)
        message = await communicator.receive_output(5)
        await communicator.disconnect()
        return message

    return async_to_sync(connect)()


@pytest.fixture
def web_1():
    return make_online_host("web-1")


def test_a_viewer_refused_the_console_page_is_audited(web_1):
    viewer = make_user_with("viewer", web_1, username="vic")

    response = logged_in(viewer).get("/console/")

    assert response.status_code == 404  # the page never tells who may use it
    [event] = denied()
    assert (event.action, event.user, event.username, event.outcome) == ("container.exec", viewer, "vic", "denied")
    assert event.detail == {"method": "GET", "path": "/console/", "reason": "You may not open a terminal on any host."}


def test_an_operator_refused_the_console_of_a_dangerous_container_is_audited_on_it(web_1):
    operator = make_user_with("operator", web_1, username="olga")
    container = make_container(web_1, "docker-in-docker", inspect=DOCKER_SOCKET)

    response = logged_in(operator).get("/console/", {"container": container.pk})

    assert response.status_code == 404
    [event] = denied()
    assert (event.action, event.user, event.target_type, event.target_id) == (
        "container.exec",
        operator,
        "container",
        str(container.pk),
    )
    assert (event.host_id, event.host_name) == (web_1.pk, "web-1")
    assert event.detail["method"] == "GET" and event.detail["path"] == "/console/"


def test_the_pages_an_admin_alone_opens_audit_their_refusals_like_the_api(web_1):
    viewer = make_user_with("viewer", web_1, username="vic")
    client = logged_in(viewer)
    registry = make_registry("ours", team=make_team(viewer, name="crew"))

    assert client.get("/audit/").status_code == 404
    assert client.get("/teams/").status_code == 404
    assert client.post(f"/registries/{registry.pk}/edit/", {"name": "mine"}).status_code == 404

    assert [(e.action, e.detail["method"], e.detail["path"]) for e in denied()] == [
        ("audit.view", "GET", "/audit/"),
        ("team.manage", "GET", "/teams/"),
        ("registry.manage", "POST", f"/registries/{registry.pk}/edit/"),
    ]
    assert denied()[-1].target_id == str(registry.pk)
    # The API's refusal of the same reading is the same row, but for its path.
    api = Client()
    api.force_login(viewer)
    assert api.get("/api/v1/audit/").status_code == 403
    assert (denied()[-1].action, denied()[-1].detail) == ("audit.view", {"method": "GET", "path": "/api/v1/audit/"})


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["terminal", "attach"])
def test_a_viewer_refused_a_console_socket_is_audited(kind):
    host = make_online_host("web-1")
    viewer = make_user_with("viewer", host, username="vic")
    container = make_container(host, "app")

    message = socket_close(f"/ws/containers/{container.pk}/{kind}/", viewer)

    assert message["code"] == 4403
    [event] = denied()
    assert (event.action, event.user, event.target_id, event.host_id) == (
        "container.exec",
        viewer,
        str(container.pk),
        host.pk,
    )
    assert event.detail["method"] == "WEBSOCKET"
    assert event.detail["path"] == f"/ws/containers/{container.pk}/{kind}/"
    assert event.detail["reason"] == message["reason"]


@pytest.mark.django_db(transaction=True)
def test_an_operator_refused_a_dangerous_containers_socket_is_audited_with_what_makes_it_dangerous():
    host = make_online_host("web-1")
    operator = make_user_with("operator", host, username="olga")
    container = make_container(host, "docker-in-docker", inspect=DOCKER_SOCKET)

    message = socket_close(f"/ws/containers/{container.pk}/terminal/", operator)

    assert message["code"] == 4403
    [event] = denied()
    assert event.action == "container.exec" and "/var/run/docker.sock" in event.detail["reason"]


def test_a_refusal_a_service_raises_in_the_api_is_audited_on_the_host_it_named(api, web_1, monkeypatch):
    monkeypatch.setattr("portal.operations.dispatch.send_operation_task", lambda *args: None)
    developer = make_user_with("developer", web_1, username="dev")
    api.force_authenticate(developer)

    response = api.post(
        "/api/v1/containers/", {"host": web_1.pk, "image": "busybox", "privileged": True}, format="json"
    )

    assert response.status_code == 403
    [event] = denied()
    assert (event.action, event.user, event.host_id) == ("container.privileged", developer, web_1.pk)
    assert event.detail["method"] == "POST" and event.detail["path"] == "/api/v1/containers/"
    assert "privileged" in event.detail["reason"]
