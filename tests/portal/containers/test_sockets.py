"""The logs and stats sockets through the whole websocket stack, with a scripted host worker on
the in-memory channel layer: refusals, what is asked of the worker, what the browser gets."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from portal.asgi import application
from portal.teams.choices import RoleName
from tests.portal.factories import (
    make_binding,
    make_container,
    make_offline_host,
    make_online_host,
    make_team,
    make_user,
)
from tests.portal.ws.sockets import SITE, run_async, session_cookie
from tests.support.stream_keys import reply
from wire import streams as m
from wire.names import host_stream_channel

pytestmark = pytest.mark.django_db(transaction=True)


def orm(function, *args, **kwargs):
    return sync_to_async(function)(*args, **kwargs)


@pytest.fixture
def viewer():
    """A viewer of web-1 only, with a running container on web-1 and one on web-2."""
    web_1, web_2 = make_online_host("web-1"), make_online_host("web-2")
    user = make_user("viewer")
    binding = make_binding(make_team(user), RoleName.VIEWER, web_1)
    return {
        "user": user,
        "binding": binding,
        "cookie": session_cookie(user),
        "mine": make_container(web_1, "app"),
        "theirs": make_container(web_2, "db"),
        "host": web_1,
    }


def socket(path: str, cookie: bytes | None):
    headers = [(b"host", SITE), (b"origin", b"http://testserver")] + ([(b"cookie", cookie)] if cookie else [])
    return WebsocketCommunicator(application, path, headers=headers)


async def refusal(path: str, cookie: bytes | None) -> tuple[int, str]:
    communicator = socket(path, cookie)
    connected, _ = await communicator.connect(timeout=10)
    assert connected, "a refusal is accepted first, so that the browser sees the code"
    closing = await communicator.receive_output(2)
    assert closing["type"] == "websocket.close", closing
    return closing["code"], closing["reason"]


async def opened(path: str, cookie: bytes, host, **facts) -> tuple[WebsocketCommunicator, dict, str]:
    """Connects and plays the host worker: takes the open request and answers READY with `facts`."""
    communicator = socket(path, cookie)
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    layer = get_channel_layer()
    request = await asyncio.wait_for(layer.receive(host_stream_channel(host.slug)), 2)
    channel = await layer.new_channel()
    await reply(layer, request, {"type": m.READY, "session": request["session"], "channel": channel, **facts})
    return communicator, request, channel


@run_async
async def test_without_a_login_both_sockets_close_with_4401(viewer):
    for kind in ("logs", "stats"):
        assert await refusal(f"/ws/containers/{viewer['mine'].pk}/{kind}/", None) == (4401, "Log in to Berth first.")


@run_async
async def test_a_container_on_a_host_the_user_may_not_see_is_no_such_container(viewer):
    for kind in ("logs", "stats"):
        path = f"/ws/containers/{viewer['theirs'].pk}/{kind}/"
        assert await refusal(path, viewer["cookie"]) == (4404, "No such container.")
    assert await refusal("/ws/containers/999999/logs/", viewer["cookie"]) == (4404, "No such container.")


@run_async
async def test_a_removed_container_has_no_logs(viewer):
    container = viewer["mine"]
    container.removed_at = timezone.now()
    await orm(container.save)

    assert await refusal(f"/ws/containers/{container.pk}/logs/", viewer["cookie"]) == (
        4404,
        "This container was removed.",
    )


@run_async
async def test_an_offline_host_is_refused_with_4503_naming_it(viewer):
    host = await orm(make_offline_host, "web-3")
    await orm(make_binding, viewer["binding"].team, RoleName.VIEWER, host)
    container = await orm(make_container, host, "cache")

    assert await refusal(f"/ws/containers/{container.pk}/logs/", viewer["cookie"]) == (4503, "Host web-3 is offline.")


@run_async
async def test_stats_of_a_container_that_is_not_running_close_with_4409(viewer):
    container = await orm(make_container, viewer["host"], "batch", state="exited")

    code, reason = await refusal(f"/ws/containers/{container.pk}/stats/", viewer["cookie"])

    assert (code, reason) == (4409, "Container batch is not running (exited).")


@run_async
async def test_a_bad_tail_is_refused_with_a_sentence(viewer):
    code, reason = await refusal(f"/ws/containers/{viewer['mine'].pk}/logs/?tail=lots", viewer["cookie"])

    assert code == 4400
    assert reason.startswith("tail must be a number of lines")


@run_async
async def test_a_viewer_opening_logs_asks_the_worker_for_them_and_gets_each_batch_as_a_frame(viewer):
    path = f"/ws/containers/{viewer['mine'].pk}/logs/?tail=10&since=1700000000&timestamps=1"
    communicator, request, _channel = await opened(path, viewer["cookie"], viewer["host"], tty=False)
    batch = [{"stream": "stdout", "data": "one\ntwo\n"}, {"stream": "stderr", "data": "oops\n"}]

    await reply(get_channel_layer(), request, {"type": m.DATA, "seq": 1, "data": batch})
    await reply(get_channel_layer(), request, {"type": m.END, "code": 0, "reason": "The container stopped."})

    assert request["type"] == "logs.open"
    assert request["container"] == viewer["mine"].engine_id
    assert (request["tail"], request["since"], request["timestamps"], request["follow"]) == (10, 1700000000, True, True)
    assert await communicator.receive_json_from() == {"type": "ready", "tty": False}
    assert json.loads(await communicator.receive_from()) == batch
    assert await communicator.receive_json_from() == {"type": "end", "code": 0, "reason": "The container stopped."}
    assert (await communicator.receive_output())["code"] == 1000


@run_async
async def test_pause_and_resume_from_the_browser_reach_the_worker_even_when_asked_before_it_was_ready(viewer):
    communicator = socket(f"/ws/containers/{viewer['mine'].pk}/logs/", viewer["cookie"])
    await communicator.connect(timeout=10)
    layer = get_channel_layer()
    request = await asyncio.wait_for(layer.receive(host_stream_channel(viewer["host"].slug)), 2)
    await communicator.send_json_to({"type": "pause"})
    channel = await layer.new_channel()

    await reply(layer, request, {"type": m.READY, "session": request["session"], "channel": channel})
    await communicator.receive_json_from()
    paused = await asyncio.wait_for(layer.receive(channel), 2)
    await communicator.send_json_to({"type": "resume"})

    assert paused == {"type": m.PAUSE}
    assert await asyncio.wait_for(layer.receive(channel), 2) == {"type": m.RESUME}
    await communicator.disconnect()


@run_async
async def test_stats_samples_reach_the_browser(viewer):
    communicator, request, _channel = await opened(
        f"/ws/containers/{viewer['mine'].pk}/stats/", viewer["cookie"], viewer["host"]
    )
    sample = {"cpu_percent": 12.5, "memory_usage": 1024}

    await reply(get_channel_layer(), request, {"type": m.DATA, "seq": 1, "data": sample})

    assert request["type"] == "stats.open"
    assert await communicator.receive_json_from() == {"type": "ready"}
    assert await communicator.receive_json_from() == {"type": "stats", "sample": sample}
    await communicator.disconnect()


@run_async
async def test_an_open_logs_socket_closes_with_4403_when_the_binding_goes_and_the_worker_is_told(viewer):
    communicator, _request, channel = await opened(
        f"/ws/containers/{viewer['mine'].pk}/logs/", viewer["cookie"], viewer["host"]
    )
    await communicator.receive_json_from()

    await orm(viewer["binding"].delete)

    closing = await communicator.receive_output(2)
    assert (closing["code"], closing["reason"]) == (4403, "Your access to this was withdrawn.")
    await communicator.disconnect()
    assert await asyncio.wait_for(get_channel_layer().receive(channel), 2) == {"type": m.CLOSE}
