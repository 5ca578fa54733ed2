"""The worker half of the stream bridge against a real Redis: ready, numbered chunks, the credit
window, input, close and a refused open."""

import asyncio
import time
import uuid

import pytest

from tests.support.aio import run_async
from tests.support.stream_keys import TEST_HOST_KEYS, web_layer
from tests.workers.conftest import UNIT_REDIS_URL
from wire import streams as m
from wire.keys import HostKeys
from wire.stream_signing import KEY_FIELD, new_stream_key
from workers.streams.loop import StreamLoop
from workers.streams.session import StreamError, StreamSession

CLOSED = []
INPUTS = []


class Counting(StreamSession):
    """Emits `count` chunks (forever when None), echoes input, refuses container "missing"."""

    kind = "counting"

    async def open(self):
        if self.container == "missing":
            raise StreamError("No such container.")
        return {"facts": "here"}

    async def produce(self):
        count = self.request.get("count")
        n = 0
        while count is None or n < count:
            n += 1
            await self.emit(f"chunk-{n}".encode())
        return 0, "counted"

    async def on_input(self, data):
        INPUTS.append(data)

    async def close(self):
        CLOSED.append(self.session)


@pytest.fixture
def streams():
    loop = StreamLoop(UNIT_REDIS_URL, f"berth.unit.{uuid.uuid4().hex[:8]}.streams", keys=TEST_HOST_KEYS)
    Counting.register(loop)
    loop.start()
    yield loop
    loop.stop()


def web_side(streams, body, **params):
    """Opens a counting stream as the web consumer would and runs `body(layer, reply_to, ready)`."""

    async def run():
        layer = web_layer(UNIT_REDIS_URL)
        try:
            reply_to = await layer.new_channel()
            request = {"type": "counting.open", "session": uuid.uuid4().hex, "reply_to": reply_to}
            await layer.send(streams.channel, {**request, "deadline": time.time() + 5, "container": "c1", **params})
            ready = await asyncio.wait_for(layer.receive(reply_to), 5)
            return await asyncio.wait_for(body(layer, reply_to, ready), 10)
        finally:
            await layer.close_pools()

    return run_async(run())


def test_given_a_web_side_that_acks_when_a_stream_runs_then_it_gets_ready_every_chunk_in_order_and_the_end(streams):
    async def body(layer, reply_to, ready):
        chunks, end = [], None
        while end is None:
            message = await layer.receive(reply_to)
            if message["type"] == m.DATA:
                chunks.append(message)
                await layer.send(ready["channel"], {"type": m.ACK, "seq": message["seq"]})
            elif message["type"] != m.KEEPALIVE:
                end = message
        return ready, chunks, end

    ready, chunks, end = web_side(streams, body, count=50)

    assert ready["type"] == m.READY and ready["facts"] == "here"
    assert [c["seq"] for c in chunks] == list(range(1, 51))
    assert [c["data"] for c in chunks] == [f"chunk-{n}".encode() for n in range(1, 51)]
    assert end == {"type": m.END, "code": 0, "reason": "counted"}


def test_given_a_web_side_that_never_acks_when_a_stream_runs_then_the_worker_stops_at_the_window(streams):
    async def body(layer, reply_to, ready):
        received = []
        while True:
            try:
                received.append(await asyncio.wait_for(layer.receive(reply_to), 0.5))
            except TimeoutError:
                break
        await layer.send(ready["channel"], {"type": m.ACK, "seq": 3})
        more = await asyncio.wait_for(layer.receive(reply_to), 2)
        await layer.send(ready["channel"], {"type": m.CLOSE})
        return received, more

    received, more = web_side(streams, body)

    assert [r["seq"] for r in received] == list(range(1, m.WINDOW + 1))
    assert more["seq"] == m.WINDOW + 1


def test_given_a_paused_stream_when_resumed_then_chunks_flow_again(streams):
    async def body(layer, reply_to, ready):
        await layer.send(ready["channel"], {"type": m.PAUSE})
        first = await layer.receive(reply_to)
        await asyncio.sleep(0.3)  # the pause has arrived: at most a few chunks more
        seen = first["seq"]
        while True:
            try:
                seen = (await asyncio.wait_for(layer.receive(reply_to), 0.3))["seq"]
            except TimeoutError:
                break
        await layer.send(ready["channel"], {"type": m.ACK, "seq": seen})
        paused_quietly = True
        try:
            await asyncio.wait_for(layer.receive(reply_to), 0.3)
            paused_quietly = False
        except TimeoutError:
            pass
        await layer.send(ready["channel"], {"type": m.RESUME})
        after = await asyncio.wait_for(layer.receive(reply_to), 2)
        await layer.send(ready["channel"], {"type": m.CLOSE})
        return paused_quietly, seen, after

    paused_quietly, seen, after = web_side(streams, body)

    assert paused_quietly
    assert after["seq"] == seen + 1


def test_given_input_and_a_close_when_sent_then_the_session_gets_the_input_and_closes(streams):
    async def body(layer, reply_to, ready):
        await layer.send(ready["channel"], {"type": m.INPUT, "data": b"typed"})
        await layer.send(ready["channel"], {"type": m.CLOSE})
        for _ in range(50):
            if ready["session"] in CLOSED:
                return ready["session"]
            await asyncio.sleep(0.05)
        return None

    session = web_side(streams, body)

    assert session is not None, "close() did not run after the web side closed"
    assert b"typed" in INPUTS


def test_given_a_refused_open_when_asked_then_the_web_side_gets_the_sentence():
    loop = StreamLoop(UNIT_REDIS_URL, f"berth.unit.{uuid.uuid4().hex[:8]}.streams", keys=TEST_HOST_KEYS)
    Counting.register(loop)
    loop.start()
    try:
        ready = web_side(loop, lambda layer, reply_to, ready: asyncio.sleep(0, ready), container="missing")
    finally:
        loop.stop()

    assert ready == {"type": m.ERROR, "message": "No such container."}


def test_given_a_web_side_gone_silent_when_the_peer_timeout_passes_then_the_session_ends(streams, monkeypatch):
    monkeypatch.setattr(m, "PEER_TIMEOUT", 0.5)
    monkeypatch.setattr(m, "KEEPALIVE_EVERY", 0.2)

    async def body(layer, reply_to, ready):
        for _ in range(60):
            if ready["session"] in CLOSED:
                return ready["session"]
            await asyncio.sleep(0.05)
        return None

    assert web_side(streams, body) is not None


@pytest.mark.parametrize("sealed_to", ["nobody", "another host"])
def test_given_an_open_without_a_key_sealed_to_this_host_when_asked_then_nothing_is_opened(streams, caplog, sealed_to):
    """Whatever it answered would be refused by the web side as unsigned: it answers nothing."""

    async def run():
        layer = web_layer(UNIT_REDIS_URL, keyed=False)
        try:
            reply_to = await layer.new_channel()
            request = {"type": "counting.open", "session": uuid.uuid4().hex, "reply_to": reply_to, "container": "c1"}
            if sealed_to == "another host":
                request[KEY_FIELD] = new_stream_key().sealed_to(HostKeys.generate().public().seal)
            await layer.send(streams.channel, {**request, "deadline": time.time() + 5})
            try:
                return await asyncio.wait_for(layer.receive(reply_to), 1)
            except TimeoutError:
                return None
        finally:
            await layer.close_pools()

    assert run_async(run()) is None
    assert "Refused a counting request: its stream key is not sealed to this host" in caplog.text
