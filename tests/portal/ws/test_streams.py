"""The web half of the stream bridge (portal.ws.streams) with a scripted host worker on the
in-memory channel layer: the open request, in-order forwarding with acks, a gap, the end, a
worker that never answers, and the close sent when the browser leaves."""

import asyncio
from types import SimpleNamespace

import pytest
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import path

from portal.accounts.socket_auth import BerthAuthMiddlewareStack
from portal.ws.streams import StreamClient, StreamConsumer
from tests.portal.factories import make_superuser
from tests.portal.ws.sockets import SITE, run_async, session_cookie
from tests.support.stream_keys import TEST_SEAL_KEY, reply
from wire import streams as m
from wire.layer import URGENT, URGENT_BURST
from wire.names import host_stream_channel
from wire.stream_signing import new_stream_key

pytestmark = pytest.mark.django_db(transaction=True)

HOST = SimpleNamespace(slug="probe-host", name="probe-host", seal_key=TEST_SEAL_KEY)


class ProbeConsumer(StreamConsumer):
    """Streams kind "probe" from HOST, forwarding each chunk as a binary frame."""

    async def start(self):
        await self.open_stream("probe", HOST, "c0ffee", lines=3)

    async def stream_opened(self, message):
        await self.send_json({"type": "ready", "session": message["session"]})

    async def stream_output(self, data, seq):
        await self.send(bytes_data=data)

    async def still_allowed(self):
        return True


application = BerthAuthMiddlewareStack(URLRouter([path("ws/probe/", ProbeConsumer.as_asgi())]))


async def connect(cookie):
    socket = WebsocketCommunicator(application, "/ws/probe/", headers=[(b"host", SITE), (b"cookie", cookie)])
    connected, _ = await socket.connect()
    assert connected
    layer = get_channel_layer()
    request = await asyncio.wait_for(layer.receive(host_stream_channel(HOST.slug)), 2)
    return socket, layer, request


async def ready(layer, request):
    channel = await layer.new_channel()
    await reply(layer, request, {"type": m.READY, "session": request["session"], "channel": channel})
    return channel


@pytest.fixture
def cookie():
    return session_cookie(make_superuser())


@run_async
async def test_given_a_worker_when_it_streams_then_chunks_arrive_in_order_and_are_acked(cookie):
    socket, layer, request = await connect(cookie)
    channel = await ready(layer, request)

    for seq in range(1, m.ACK_EVERY + 1):
        await reply(layer, request, {"type": m.DATA, "seq": seq, "data": f"line {seq}\n".encode()})
    await reply(layer, request, {"type": m.END, "code": 0, "reason": "Done."})

    assert request["type"] == "probe.open" and request["container"] == "c0ffee" and request["lines"] == 3
    assert (await socket.receive_json_from())["type"] == "ready"
    frames = [await socket.receive_from() for _ in range(m.ACK_EVERY)]
    assert frames == [f"line {seq}\n".encode() for seq in range(1, m.ACK_EVERY + 1)]
    assert await socket.receive_json_from() == {"type": "end", "code": 0, "reason": "Done."}
    assert (await socket.receive_output())["type"] == "websocket.close"
    assert await asyncio.wait_for(layer.receive(channel), 1) == {"type": m.ACK, "seq": m.ACK_EVERY}


@run_async
async def test_given_a_gap_in_the_chunks_when_it_arrives_then_the_page_is_told_and_the_worker_closed(cookie):
    socket, layer, request = await connect(cookie)
    channel = await ready(layer, request)
    await socket.receive_json_from()

    await reply(layer, request, {"type": m.DATA, "seq": 1, "data": b"one"})
    await reply(layer, request, {"type": m.DATA, "seq": 3, "data": b"three"})

    assert await socket.receive_from() == b"one"
    error = await socket.receive_json_from()
    assert error["type"] == "error" and "expected part 2, got 3" in error["message"]
    closing = await socket.receive_output()
    assert closing["type"] == "websocket.close" and closing["code"] == 4500
    assert await asyncio.wait_for(layer.receive(channel), 1) == {"type": m.CLOSE}


@run_async
async def test_given_an_echo_that_overtook_earlier_output_when_it_arrives_then_it_is_held_until_they_come(cookie):
    socket, layer, request = await connect(cookie)
    await ready(layer, request)
    await socket.receive_json_from()

    await reply(layer, request, {"type": m.DATA, "seq": 1, "data": b"one"})
    await reply(layer, request, {"type": m.DATA, "seq": 3, "data": b"echo", URGENT: True})  # the urgent lane
    await reply(layer, request, {"type": m.DATA, "seq": 2, "data": b"two"})

    assert [await socket.receive_from() for _ in range(3)] == [b"one", b"two", b"echo"]


@run_async
async def test_given_messages_not_signed_by_the_host_when_they_arrive_then_they_are_dropped_and_the_stream_goes_on(
    cookie, caplog
):
    socket, layer, request = await connect(cookie)
    await ready(layer, request)
    await socket.receive_json_from()

    await layer.send(request["reply_to"], {"type": m.DATA, "seq": 1, "data": b"INJECTED"})
    await layer.send(request["reply_to"], new_stream_key().sign({"type": m.DATA, "seq": 1, "data": b"INJECTED"}))
    await layer.send(request["reply_to"], {"type": m.END, "code": 0, "reason": "Forged end."})
    await reply(layer, request, {"type": m.DATA, "seq": 1, "data": b"real"})

    assert await socket.receive_from() == b"real"
    assert await socket.receive_nothing(0.2)
    refused = [r for r in caplog.records if "Refused a message on a probe stream" in r.getMessage()]
    assert len(refused) == 1  # one line for the stream, not one per message


@run_async
async def test_given_a_worker_that_never_answers_when_the_open_times_out_then_the_page_is_told(cookie, monkeypatch):
    monkeypatch.setattr(m, "OPEN_TIMEOUT", 0.3)
    socket, _layer, _request = await connect(cookie)

    error = await socket.receive_json_from(timeout=3)

    assert error == {"type": "error", "message": "The host worker did not answer: is it running?"}


@run_async
async def test_given_an_open_stream_when_the_browser_leaves_then_the_worker_is_told_to_close(cookie):
    socket, layer, request = await connect(cookie)
    channel = await ready(layer, request)
    await socket.receive_json_from()

    await socket.disconnect()

    assert await asyncio.wait_for(layer.receive(channel), 1) == {"type": m.CLOSE}


@run_async
async def test_given_a_worker_error_when_it_arrives_then_the_page_reads_it(cookie):
    socket, layer, request = await connect(cookie)

    await reply(layer, request, {"type": m.ERROR, "message": "No such container."})

    assert await socket.receive_json_from() == {"type": "error", "message": "No such container."}


def test_given_a_client_that_marks_all_its_input_urgent_then_past_its_share_it_goes_the_normal_way():
    class Layer:
        def __init__(self):
            self.sent = []

        async def send(self, channel, message):
            self.sent.append(message)

    layer = Layer()
    client = StreamClient(layer, "reply")
    client.channel = "specific.host-x.y!z"

    async def paste():
        for _ in range(200):
            await client.send(m.INPUT, data=b"p" * 4096, **{URGENT: True})

    asyncio.run(paste())

    urgent = [message for message in layer.sent if message.get(URGENT)]
    assert len(layer.sent) == 200 and all(message["data"] == b"p" * 4096 for message in layer.sent)
    assert 0 < len(urgent) <= URGENT_BURST // 4096 + 1
    assert layer.sent[: len(urgent)] == urgent  # the first ones, then the normal lane
