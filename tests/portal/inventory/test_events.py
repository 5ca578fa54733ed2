"""Inventory changes reach open pages: an event per container or image, or one for many."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from portal.access.policy import ACTIONS, Role
from portal.events.publish import host_group
from portal.hosts.models import Host
from portal.ingest.inventory import INVENTORY_EVENTS_AT_MOST
from portal.ingest.reports import apply_host_report
from tests.portal.factories import make_superuser, make_user
from tests.portal.inventory.factories import InventoryWorker, container_record, image_record, snapshot_of
from tests.portal.ws.sockets import events_socket, run_async, session_cookie

# Events are sent once the transaction commits, and the consumer reads from other threads.
pytestmark = pytest.mark.django_db(transaction=True)


class GroupListener:
    """A channel in a host's group, as an events consumer would have."""

    def __init__(self, host_id: int):
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(host_group(host_id), self.channel)

    def received(self) -> list[dict]:
        """Every message waiting for this channel, oldest first."""
        messages = []

        async def drain():
            while True:
                try:
                    messages.append(await asyncio.wait_for(self.layer.receive(self.channel), timeout=0.05))
                except TimeoutError:
                    return

        async_to_sync(drain)()
        return messages


@pytest.fixture
def listener(worker):
    return GroupListener(Host.objects.get(slug="web-1").pk)


def test_each_changed_container_is_an_event_with_what_lists_show(worker, listener):
    web, db = container_record(name="web"), container_record(name="db")
    apply_host_report(worker.inventory([web, db]))

    apply_host_report(worker.inventory([{**web, "state": "exited"}], removed_containers=[db["engine_id"]]))

    events = [(m["event"]["type"], m["event"]["container"]["name"]) for m in listener.received()]
    assert events == [
        ("container.created", "web"),
        ("container.created", "db"),
        ("container.updated", "web"),
        ("container.removed", "db"),
    ]


def test_a_container_event_carries_the_list_fields_and_the_action_it_needs(worker, listener):
    apply_host_report(worker.inventory([container_record(name="web")]))

    [message] = listener.received()

    assert message["action"] == "container.view"
    container = message["event"]["container"]
    assert (container["name"], container["state"], container["host_name"]) == ("web", "running", "Web 1")
    assert container["status"].startswith("Up ")
    assert "inspect" not in container


def test_image_events_carry_tags(worker, listener):
    record = image_record(tags=["app:1"])
    apply_host_report(worker.inventory(images=[record]))
    apply_host_report(worker.inventory(images=[{**record, "tags": ["app:1", "app:2"]}]))

    events = [(m["event"]["type"], m["event"]["image"]["tags"], m["action"]) for m in listener.received()]

    assert events == [("image.created", ["app:1"], "image.view"), ("image.updated", ["app:1", "app:2"], "image.view")]


def test_an_image_losing_its_name_to_another_is_updated_too(worker, listener):
    old, new = image_record(tags=["app:latest"]), image_record(tags=[])
    apply_host_report(worker.inventory(images=[old, new]))
    listener.received()

    apply_host_report(worker.inventory(images=[{**new, "tags": ["app:latest"]}]))

    events = sorted((m["event"]["type"], tuple(m["event"]["image"]["tags"])) for m in listener.received())
    assert events == [("image.updated", ()), ("image.updated", ("app:latest",))]


def test_nothing_changed_sends_nothing(worker, listener):
    web = container_record(name="web")
    apply_host_report(worker.inventory([web], snapshot=snapshot_of([web["engine_id"]])))
    listener.received()

    apply_host_report(worker.inventory([web], snapshot=snapshot_of([web["engine_id"]])))

    assert listener.received() == []


def test_many_changes_are_one_event_for_pages_to_refetch(worker, listener):
    containers = [container_record(name=f"c-{i}") for i in range(INVENTORY_EVENTS_AT_MOST + 1)]

    apply_host_report(worker.inventory(containers))

    host_id = Host.objects.get(slug="web-1").pk
    assert [m["event"] for m in listener.received()] == [{"type": "inventory.changed", "host": host_id}]


def test_a_refused_report_sends_nothing(worker, listener):
    intruder = InventoryWorker("Web 1", machine="box-b")

    apply_host_report(intruder.inventory([container_record(name="evil")]))

    assert listener.received() == []


# --- through /ws/events/ ------------------------------------------------------------------------


async def connected_socket(cookie: bytes):
    socket = events_socket(cookie=cookie)
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["type"] == "hello"
    return socket


@run_async
async def test_a_page_open_on_events_hears_of_a_new_container(worker):
    socket = await connected_socket(await sync_to_async(lambda: session_cookie(make_superuser()))())

    await sync_to_async(apply_host_report)(worker.inventory([container_record(name="web")]))

    event = await socket.receive_json_from(timeout=2)
    assert (event["type"], event["container"]["name"]) == ("container.created", "web")
    await socket.disconnect()


@run_async
async def test_a_viewer_of_the_host_hears_of_it_and_a_user_without_a_role_does_not(worker, viewer_on):
    host = await sync_to_async(Host.objects.get)(slug="web-1")
    viewer = await sync_to_async(make_user)()
    viewer_on(viewer, host)
    watching = await connected_socket(await sync_to_async(session_cookie)(viewer))
    outsider = await connected_socket(await sync_to_async(lambda: session_cookie(make_user()))())

    await sync_to_async(apply_host_report)(worker.inventory(images=[image_record(tags=["app:1"])]))

    event = await watching.receive_json_from(timeout=2)
    assert (event["type"], event["image"]["tags"]) == ("image.created", ["app:1"])
    assert await outsider.receive_nothing(timeout=0.3)
    await watching.disconnect()
    await outsider.disconnect()


@run_async
async def test_the_socket_asks_the_policy_for_the_action_each_event_needs(worker, viewer_on, monkeypatch):
    # Given a policy in which seeing containers takes more than seeing hosts
    monkeypatch.setitem(ACTIONS, "container.view", (Role.OPERATOR, False))
    host = await sync_to_async(Host.objects.get)(slug="web-1")
    viewer = await sync_to_async(make_user)()
    viewer_on(viewer, host)
    socket = await connected_socket(await sync_to_async(session_cookie)(viewer))

    # When a container and an image appear
    await sync_to_async(apply_host_report)(
        worker.inventory([container_record(name="web")], [image_record(tags=["app:1"])])
    )

    # Then the viewer hears of the image only
    assert (await socket.receive_json_from(timeout=2))["type"] == "image.created"
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()
