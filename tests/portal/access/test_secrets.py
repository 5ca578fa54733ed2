"""Secrets by role (issue 12, item 3): a viewer sees environment names and build-arg names, never
their values, through the container API, the operations API and the operation's socket; a
developer still sees the values; audit details keep no secret at any depth."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from portal.access.secrets import MASK
from portal.asgi import application
from portal.audit.models import AuditEvent
from portal.audit.record import record
from portal.operations.events import publish_operation
from portal.operations.models import Operation
from tests.portal.factories import make_binding, make_container, make_team, make_user
from wire.names import operation_group

pytestmark = pytest.mark.django_db

SECRET = "hunter2-s3cret"


def _user(role, host):
    user = make_user()
    make_binding(make_team(user), role, host)
    return user


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def container(host):
    inspect = {"Config": {"Env": [f"DB_PASSWORD={SECRET}", "PATH=/bin"], "Labels": {"a": "b"}}}
    return make_container(host, inspect=inspect)


@pytest.fixture
def operation(host):
    params = {"spec": {"image": "busybox", "env": {"DB_PASSWORD": SECRET}, "auth_config": {"password": SECRET}}}
    return Operation.objects.create(host=host, kind="container.run", params=params, username="dev")


def test_given_a_viewer_when_reading_a_containers_inspect_then_env_values_are_masked(host, container):
    body = _api(_user("viewer", host)).get(f"/api/v1/containers/{container.pk}/").json()
    assert body["inspect"]["Config"]["Env"] == [f"DB_PASSWORD={MASK}", f"PATH={MASK}"]
    assert SECRET not in str(body)


def test_given_a_developer_when_reading_a_containers_inspect_then_env_values_show(host, container):
    body = _api(_user("developer", host)).get(f"/api/v1/containers/{container.pk}/").json()
    assert f"DB_PASSWORD={SECRET}" in body["inspect"]["Config"]["Env"]


def test_given_a_viewer_when_listing_and_reading_operations_then_params_hide_secrets(host, operation):
    api = _api(_user("viewer", host))
    listed = api.get("/api/v1/operations/").json()
    one = api.get(f"/api/v1/operations/{operation.pk}/").json()
    assert SECRET not in str(listed) and SECRET not in str(one)
    assert one["params"]["spec"]["env"] == {"DB_PASSWORD": MASK}


def test_given_a_developer_when_reading_an_operation_then_params_show_the_env(host, operation):
    one = _api(_user("developer", host)).get(f"/api/v1/operations/{operation.pk}/").json()
    assert one["params"]["spec"]["env"] == {"DB_PASSWORD": SECRET}


def _socket_frames(user, operation) -> list[dict]:
    """The record, the snapshot, then the record once more after a state message."""

    async def run():
        communicator = WebsocketCommunicator(application, f"/ws/operations/{operation.pk}/")
        communicator.scope["user"] = user
        connected, _ = await communicator.connect(timeout=10)
        assert connected
        frames = [await communicator.receive_json_from(timeout=5), await communicator.receive_json_from(timeout=5)]
        await get_channel_layer().group_send(
            operation_group(operation.pk), {"type": "operation.state", "operation": operation.pk}
        )
        frames.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return frames

    return async_to_sync(run)()


def test_given_a_viewer_when_following_an_operation_socket_then_params_hide_secrets(host, operation):
    frames = _socket_frames(_user("viewer", host), operation)
    assert SECRET not in str(frames)
    assert frames[0]["operation"]["params"]["spec"]["env"] == {"DB_PASSWORD": MASK}
    assert frames[2]["operation"]["params"]["spec"]["env"] == {"DB_PASSWORD": MASK}


def test_given_a_developer_when_following_an_operation_socket_then_params_show_the_env(host, operation):
    frames = _socket_frames(_user("developer", host), operation)
    assert frames[0]["operation"]["params"]["spec"]["env"] == {"DB_PASSWORD": SECRET}
    assert frames[2]["operation"]["params"]["spec"]["env"] == {"DB_PASSWORD": SECRET}


def test_given_a_published_operation_then_its_group_message_carries_only_its_id(host, operation, monkeypatch):
    sent = []
    monkeypatch.setattr("portal.operations.events.send", lambda group, message: sent.append(message))
    monkeypatch.setattr("portal.operations.events.publish", lambda *a, **k: None)
    publish_operation(operation)
    assert sent[0] == {"type": "operation.state", "operation": operation.pk}


def test_given_a_nested_secret_in_any_audit_detail_then_no_event_keeps_it(host):
    details = [
        {"spec": {"env": {"DB_PASSWORD": SECRET}}},
        {"spec": {"env": [f"TOKEN={SECRET}"]}},
        {"buildargs": {"NPM_TOKEN": SECRET}},
        {"auth_config": {"username": "u", "password": SECRET}},
        {"changes": {"registry": {"password": SECRET}}},
        {"token": SECRET, "name": "ci"},
        {"user": {"new_password": SECRET}},
        {"nested": [{"api_key": SECRET}]},
    ]
    for detail in details:
        record("test.secret", host=host, detail=detail)
    kept = list(AuditEvent.objects.filter(action="test.secret").order_by("pk").values_list("detail", flat=True))
    assert len(kept) == len(details)
    assert SECRET not in str(kept)
    assert kept[0] == {"spec": {"env": {"DB_PASSWORD": MASK}}}
    assert kept[5] == {"name": "ci"}


def test_given_a_build_with_build_args_then_the_record_keeps_names_only(
    host, sent, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("portal.operations.dispatch.publish_operation", lambda operation: None)
    api = _api(_user("developer", host))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/images/build/",
            {"host": host.pk, "dockerfile": "FROM busybox\n", "buildargs": f"NPM_TOKEN={SECRET}"},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    operation = Operation.objects.get(pk=response.json()["id"])
    assert operation.params["buildargs"] == ["NPM_TOKEN"]
    assert SECRET not in str(operation.params)
    assert SECRET not in str(list(AuditEvent.objects.values_list("detail", flat=True)))
    assert sent[0][1]["params"]["buildargs"] == {"NPM_TOKEN": SECRET}
