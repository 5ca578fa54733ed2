"""A resumable stream session against a real Redis: detached, it holds its output back; a new
web side that reattaches within the grace gets exactly the bytes it lacks, then the rest; nobody
back within the grace, the session ends."""

import asyncio
import time
import uuid

import pytest

from tests.support.aio import run_async
from tests.support.stream_keys import TEST_HOST_KEYS, web_layer
from tests.workers.conftest import UNIT_REDIS_URL
from wire import streams as m
from wire.stream_resume import Detach, Reattach
from workers.streams.loop import StreamLoop
from workers.streams.output_tail import OutputTail
from workers.streams.session import StreamSession

CLOSED = []


class Numbers(StreamSession):
    """Emits "1,2,3,…" a number a chunk, keeping a tail as the terminal does."""

    kind = "numbers"
    resumable = True

    async def open(self):
        self.tail = OutputTail(1024 * 1024)

    async def produce(self):
        n = 0
        while True:
            n += 1
            await self.emit(b"%d," % n)
            await asyncio.sleep(0.002)

    async def emit(self, data):
        await self.wait_for_credit()
        self.tail.append(data)
        await self.send_data(data)

    def replay(self, offset):
        start, data = self.tail.since(offset)
        return start, start != offset, [data] if data else []

    async def close(self):
        CLOSED.append(self.session)


@pytest.fixture
def streams():
    loop = StreamLoop(UNIT_REDIS_URL, f"berth.unit.{uuid.uuid4().hex[:8]}.streams", keys=TEST_HOST_KEYS)
    Numbers.register(loop)
    loop.start()
    yield loop
    loop.stop()


async def read(layer, reply_to, channel, wanted: int) -> bytes:
    """Chunks until `wanted` bytes arrived, acking each."""
    got = b""
    while len(got) < wanted:
        message = await layer.receive(reply_to)
        if message["type"] == m.DATA:
            got += message["data"]
            await layer.send(channel, {"type": m.ACK, "seq": message["seq"]})
    return got


def with_layer(body):
    async def run():
        layer = web_layer(UNIT_REDIS_URL)
        try:
            return await asyncio.wait_for(body(layer), 20)
        finally:
            await layer.close_pools()

    return run_async(run())


async def opened(layer, streams):
    reply_to = await layer.new_channel()
    request = {"type": "numbers.open", "session": uuid.uuid4().hex, "reply_to": reply_to}
    await layer.send(streams.channel, {**request, "deadline": time.time() + 5, "container": "c1"})
    ready = await asyncio.wait_for(layer.receive(reply_to), 5)
    return reply_to, ready["channel"]


def test_given_a_detached_session_when_reattached_then_the_output_goes_on_with_nothing_lost_or_repeated(streams):
    async def body(layer):
        first, channel = await opened(layer, streams)
        before = await read(layer, first, channel, 200)
        await layer.send(channel, Detach(5, first).to_wire())
        await asyncio.sleep(0.3)
        second = await layer.new_channel()
        await layer.send(channel, Reattach("again", second, len(before)).to_wire())
        ready = await asyncio.wait_for(layer.receive(second), 5)
        after = await read(layer, second, channel, 400)
        await layer.send(channel, {"type": m.CLOSE})
        return before, ready, after

    before, ready, after = with_layer(body)

    assert ready["type"] == m.READY and ready["session"] == "again"
    assert ready["resumed"] is True and ready["offset"] == len(before) and ready["reset"] is False
    numbers = [int(n) for n in (before + after).split(b",")[:-1]]
    assert numbers == list(range(1, len(numbers) + 1))


def test_given_a_detached_session_when_nobody_comes_back_within_the_grace_then_it_ends(streams):
    async def body(layer):
        reply_to, channel = await opened(layer, streams)
        await read(layer, reply_to, channel, 10)
        CLOSED.clear()
        await layer.send(channel, Detach(0.5, reply_to).to_wire())
        deadline = time.monotonic() + m.KEEPALIVE_EVERY + 2
        while not CLOSED and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        return list(CLOSED)

    assert len(with_layer(body)) == 1
