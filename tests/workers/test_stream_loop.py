"""The host worker's stream loop against a real Redis: requests dispatched by type, late ones dropped."""

import asyncio
import threading
import time
import uuid

import pytest

from tests.support.aio import run_async
from tests.support.stream_keys import web_layer
from tests.workers.conftest import UNIT_REDIS_URL
from workers.streams.loop import StreamLoop


@pytest.fixture
def stream_loop():
    loop = StreamLoop(UNIT_REDIS_URL, f"berth.unit.{uuid.uuid4().hex[:8]}.streams")
    yield loop
    loop.stop()


def portal_side(coro_factory):
    """Runs `coro_factory(layer)` on a loop of its own, as the web process would."""

    async def run():
        layer = web_layer(UNIT_REDIS_URL, keyed=False)
        try:
            return await asyncio.wait_for(coro_factory(layer), 10)
        finally:
            await layer.close_pools()

    return run_async(run())


def test_given_a_registered_type_when_a_request_arrives_then_its_handler_answers_the_sender(stream_loop):
    async def echo(message):
        await stream_loop.layer.send(message["reply_to"], {"type": "echo.reply", "value": message["value"]})

    stream_loop.register("echo.open", echo)
    stream_loop.start()

    async def ask(layer):
        reply_to = await layer.new_channel()
        await layer.send(
            stream_loop.channel, {"type": "echo.open", "reply_to": reply_to, "value": 7, "deadline": time.time() + 5}
        )
        return await layer.receive(reply_to)

    assert portal_side(ask) == {"type": "echo.reply", "value": 7}


def test_given_a_request_past_its_deadline_when_it_arrives_then_it_is_dropped(stream_loop):
    seen = []

    async def record(message):
        seen.append(message["value"])
        await stream_loop.layer.send(message["reply_to"], {"type": "done"})

    stream_loop.register("probe.open", record)
    stream_loop.start()

    async def ask(layer):
        reply_to = await layer.new_channel()
        request = {"type": "probe.open", "reply_to": reply_to}
        await layer.send(stream_loop.channel, {**request, "value": "late", "deadline": 1})
        await layer.send(stream_loop.channel, {**request, "value": "on-time", "deadline": time.time() + 5})
        return await layer.receive(reply_to)

    portal_side(ask)
    assert seen == ["on-time"]


def test_given_another_thread_when_it_sends_then_the_message_arrives(stream_loop):
    stream_loop.start()
    received = {}

    async def listen(layer):
        channel = await layer.new_channel()
        sender = threading.Thread(target=stream_loop.send, args=(channel, {"type": "from.thread", "n": 1}))
        sender.start()
        received.update(await layer.receive(channel))
        sender.join()

    portal_side(listen)
    assert received == {"type": "from.thread", "n": 1}


def test_given_a_closer_when_the_loop_stops_then_it_runs_first(stream_loop):
    closed = threading.Event()

    async def closer():
        closed.set()

    stream_loop.on_stop(closer)
    stream_loop.start()
    stream_loop.stop()

    assert closed.is_set()
