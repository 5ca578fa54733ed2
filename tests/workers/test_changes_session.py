"""`changes.open` against a real Redis, the engine's answer scripted: READY, the changes in
chunks, END; a refusal of the engine is one chunk with its sentence and code."""

import asyncio
import uuid

import pytest

from engine.errors import OperationFailed
from tests.support.aio import run_async
from tests.support.stream_keys import TEST_HOST_KEYS, web_layer
from tests.workers.conftest import UNIT_REDIS_URL
from wire import streams as m
from workers.streams import changes
from workers.streams.changes import ChangesSession
from workers.streams.engine_session import EngineHost
from workers.streams.loop import StreamLoop

ANSWERS = {}


def scripted_changes(engine, container_id, subject):
    answer = ANSWERS[container_id]
    if isinstance(answer, Exception):
        raise answer
    return answer


@pytest.fixture
def streams(monkeypatch):
    monkeypatch.setattr(changes, "container_changes", scripted_changes)
    monkeypatch.setattr(changes, "PATHS_PER_CHUNK", 2)
    loop = StreamLoop(UNIT_REDIS_URL, f"berth.unit.{uuid.uuid4().hex[:8]}.streams", keys=TEST_HOST_KEYS)
    ChangesSession.register(loop, host=EngineHost("unix:///nonexistent.sock"))
    loop.start()
    yield loop
    loop.stop()


def ask(streams, container: str) -> list[dict]:
    """Every message the worker sends for one `changes.open`, READY to END."""

    async def run():
        layer = web_layer(UNIT_REDIS_URL)
        try:
            reply_to = f"berth.unit.reply.{uuid.uuid4().hex}"
            request = m.open_request("changes", uuid.uuid4().hex, reply_to, container, subject="app")
            await layer.send(streams.channel, request)
            received = []
            while not received or received[-1]["type"] not in (m.END, m.ERROR):
                received.append(await asyncio.wait_for(layer.receive(reply_to), 5))
            return received
        finally:
            await layer.close_pools()

    return run_async(run())


def test_given_changes_when_asked_then_they_come_in_chunks_then_the_end(streams):
    ANSWERS["c1"] = [{"path": f"/{n}", "kind": "added"} for n in range(5)]

    received = ask(streams, "c1")

    assert [r["type"] for r in received] == [m.READY, m.DATA, m.DATA, m.DATA, m.END]
    assert [c for r in received[1:4] for c in r["data"]["changes"]] == ANSWERS["c1"]


def test_given_an_engine_that_refuses_when_asked_then_one_chunk_says_why_with_its_code(streams):
    ANSWERS["c2"] = OperationFailed("No such container: app.", "not_found")

    received = ask(streams, "c2")

    assert [r["type"] for r in received] == [m.READY, m.DATA, m.END]
    assert received[1]["data"] == {"error": "No such container: app.", "code": "not_found"}
