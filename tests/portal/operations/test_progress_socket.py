"""The operation's socket shows only the progress its host MACed with the operation's key: a batch
or a snapshot forged in its name (unsigned, or made with another operation's or host's key) is
dropped, logged once and noted on the host's page; an `operation.state` message makes the socket
read the record again, whatever state it claims."""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from portal.asgi import application
from portal.hosts.models import Host
from portal.operations.dispatch import send_operation_task
from portal.operations.models import Operation
from portal.operations.progress import progress_key_for
from tests.portal.factories import make_superuser
from tests.portal.hosts.factories import enrolled_worker
from wire.names import operation_group, operation_progress_key
from wire.progress import OperationProgress, ProgressSnapshot, signed_snapshot
from wire.stream_signing import KEY_FIELD, new_stream_key, open_stream_key

pytestmark = pytest.mark.django_db


class Broker:
    """What the socket reads a snapshot from (a dict, in place of Redis: any host may write there)."""

    def __init__(self):
        self.keys = {}

    def get(self, key):
        return self.keys.get(key)

    def set(self, key, value):
        self.keys[key] = value.encode() if isinstance(value, str) else value


@pytest.fixture
def broker(monkeypatch):
    broker = Broker()
    monkeypatch.setattr("portal.operations.consumers._redis", lambda: broker)
    return broker


@pytest.fixture
def running(broker):
    enrolled_worker("web-1")
    return Operation.objects.create(
        host=Host.objects.get(slug="web-1"), kind="image.pull", state="running", username="dev"
    )


def follow(operation, send_then: list[dict], frames: int, more: bool = False) -> list[dict]:
    """Connects as an admin, takes the record and the snapshot, then has the group sent each of
    `send_then` (as a host would) and returns all the socket sent: `frames` more, and (`more`)
    whatever else comes until it is quiet."""

    async def run():
        communicator = WebsocketCommunicator(application, f"/ws/operations/{operation.pk}/")
        communicator.scope["user"] = viewer
        connected, _ = await communicator.connect(timeout=10)
        assert connected
        got = [await communicator.receive_json_from(timeout=5), await communicator.receive_json_from(timeout=5)]
        layer = get_channel_layer()
        for message in send_then:
            await layer.group_send(operation_group(operation.pk), message)
        for _ in range(frames):
            got.append(await communicator.receive_json_from(timeout=5))
        while more and not await communicator.receive_nothing(timeout=0.3):
            got.append(await communicator.receive_json_from(timeout=5))
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return got

    viewer = make_superuser()
    return async_to_sync(run)()


def test_given_forged_batches_in_an_operations_name_then_the_viewer_sees_only_its_hosts(running, caplog):
    operation = running
    host = operation.host
    key = progress_key_for(operation.pk, host.pk)
    genuine = OperationProgress(operation.pk, 1, log=["genuine line"]).to_wire()
    forged = OperationProgress(operation.pk, 2, log=["FORGED"]).to_wire()
    other_op = progress_key_for(operation.pk + 1, host.pk)  # a host's own key, for another operation
    other_host = progress_key_for(operation.pk, host.pk + 1)

    with caplog.at_level(logging.ERROR):
        got = follow(
            operation,
            [forged, other_op.sign(forged), other_host.sign(forged), new_stream_key().sign(forged), key.sign(genuine)],
            frames=1,
        )

    assert [frame["type"] for frame in got] == ["operation", "snapshot", "progress"]
    assert got[2]["log"] == ["genuine line"] and "mac" not in got[2]
    assert "FORGED" not in str(got)
    refusals = [r for r in caplog.records if "Refused a message on operation" in r.getMessage()]
    assert len(refusals) == 1  # four forgeries, one line
    host.refresh_from_db()
    assert "progress stream message in this host's name was refused" in host.forged_report


def test_given_a_forged_snapshot_then_a_late_viewer_starts_from_nothing(running, broker):
    operation = running
    forged = ProgressSnapshot(seq=5, log=["FORGED"])
    broker.set(operation_progress_key(operation.host.slug, operation.pk), signed_snapshot(new_stream_key(), forged))

    got = follow(operation, [], frames=0)

    assert got[1]["type"] == "snapshot" and got[1]["log"] == [] and got[1]["seq"] == 0
    operation.host.refresh_from_db()
    assert operation.host.forged_report


def test_given_the_hosts_snapshot_then_a_late_viewer_starts_from_it(running, broker):
    operation = running
    snapshot = ProgressSnapshot(seq=3, status="Downloading", log=["a", "b"])
    broker.set(
        operation_progress_key(operation.host.slug, operation.pk),
        signed_snapshot(progress_key_for(operation.pk, operation.host_id), snapshot),
    )

    got = follow(operation, [], frames=0)

    assert (got[1]["seq"], got[1]["log"], got[1]["status"]) == (3, ["a", "b"], "Downloading")


def test_given_a_state_message_then_the_socket_sends_the_records_state_not_the_messages(running):
    operation = running
    claimed = {"id": operation.pk, "state": "succeeded", "error": "", "result": {"forged": True}}

    got = follow(operation, [{"type": "operation.state", "operation": claimed}] * 20, frames=1, more=True)

    states = got[2:]
    assert 1 <= len(states) <= 3  # twenty messages, read again once or twice
    for frame in states:
        assert frame["type"] == "operation"
        assert frame["operation"]["state"] == "running" and frame["operation"]["result"] == {}
        assert "log" not in frame["operation"]  # the viewer has it line by line


def test_the_task_carries_the_progress_key_sealed_to_its_host():
    class App:
        def send_task(self, name, **options):
            self.options = options

    app, worker = App(), enrolled_worker("web-2")
    host = Host.objects.get(slug="web-2")

    send_operation_task("web-2", {"id": 41, "kind": "image.pull", "params": {}}, None, app=app)

    sealed = app.options["kwargs"][KEY_FIELD]
    opened = open_stream_key(worker.keys, {KEY_FIELD: sealed})
    batch = OperationProgress(41, 1).to_wire()
    assert progress_key_for(41, host.pk).verify(opened.sign(batch)) == batch
    assert open_stream_key(enrolled_worker("web-3").keys, {KEY_FIELD: sealed}) is None
    assert sealed not in app.options["kwargsrepr"]
