"""Terminal and attach sessions of the host worker against the real engine and Redis, driven as
the web side drives them: typed input echoes back, exit codes arrive, a closed session leaves
no process behind, attach detaches without stopping the container."""

import asyncio
import time
import uuid

import pytest

from engine.client import Engine
from engine.exec import inspect_exec
from tests.support.aio import run_async
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker
from tests.support.stream_keys import TEST_HOST_KEYS, web_layer
from tests.workers.conftest import UNIT_REDIS_URL
from wire import streams as m
from workers.streams.kinds import register_streams
from workers.streams.loop import StreamLoop


@pytest.fixture(scope="module")
def container():
    name = f"berth-term-{uuid.uuid4().hex[:6]}"
    cid = docker("run", "-d", "--label", TEST_LABEL, "--name", name, IMAGE, "sleep", "3600")
    yield cid
    docker("rm", "-f", cid, check=False)


@pytest.fixture
def streams():
    loop = StreamLoop(UNIT_REDIS_URL, f"berth.unit.{uuid.uuid4().hex[:8]}.streams", keys=TEST_HOST_KEYS)
    register_streams(loop, "unix:///var/run/docker.sock")
    loop.start()
    yield loop
    loop.stop()


class WebSide:
    """The web consumer's half, reduced: open, read (acking), type."""

    def __init__(self, layer, streams):
        self.layer, self.streams = layer, streams
        self.output = b""
        self.seqs = []
        self.ready = None
        self.last = None

    async def open(self, kind, container, **params):
        self.reply_to = await self.layer.new_channel()
        await self.layer.send(
            self.streams.channel,
            {
                "type": m.open_type(kind),
                "session": uuid.uuid4().hex,
                "reply_to": self.reply_to,
                "deadline": time.time() + 5,
                "container": container,
                **params,
            },
        )
        self.ready = await asyncio.wait_for(self.layer.receive(self.reply_to), 10)
        return self.ready

    async def send(self, kind, **fields):
        await self.layer.send(self.ready["channel"], {"type": kind, **fields})

    async def read_until(self, wanted: bytes, timeout: float = 5):
        async def read():
            while wanted not in self.output:
                message = await self.layer.receive(self.reply_to)
                if message["type"] == m.DATA:
                    self.output += message["data"]
                    self.seqs.append(message["seq"])
                    await self.send(m.ACK, seq=message["seq"])
                elif message["type"] != m.KEEPALIVE:
                    self.last = message
                    return message
            return None

        return await asyncio.wait_for(read(), timeout)


def web_side(streams, body):
    async def run():
        layer = web_layer(UNIT_REDIS_URL)
        try:
            return await asyncio.wait_for(body(WebSide(layer, streams)), 30)
        finally:
            await layer.close_pools()

    return run_async(run())


@pytest.mark.parametrize("pause", [0, 0.5], ids=["typed-at-once", "typed-at-the-prompt"])
def test_given_a_shell_when_a_command_is_typed_then_its_output_and_exit_code_come_back(streams, container, pause):
    """Typed at the prompt, the echo answers input and goes in the urgent lane: it arrives too."""

    async def body(web):
        ready = await web.open("terminal", container, cols=100, rows=30)
        await asyncio.sleep(pause)
        await web.send(m.INPUT, data=b"stty size; echo hel''lo; exit 3\r")
        end = await web.read_until(b"\x00never")
        return ready, web, end

    ready, web, end = web_side(streams, body)

    assert ready["type"] == m.READY and ready["command"] == ["/bin/sh"]
    assert b"stty size; echo hel''lo; exit 3" in web.output, "the echo was lost"
    assert b"30 100" in web.output and b"hello" in web.output
    assert sorted(web.seqs) == list(range(1, len(web.seqs) + 1)), web.seqs
    assert end == {"type": m.END, "code": 3, "reason": "The process exited with code 3."}


def test_given_a_resize_when_sent_then_the_shell_sees_the_new_size(streams, container):
    async def body(web):
        await web.open("terminal", container, cols=80, rows=24)
        await web.send(m.RESIZE, cols=132, rows=43)
        await asyncio.sleep(0.2)
        await web.send(m.INPUT, data=b"stty size\r")
        await web.read_until(b"43 132")
        await web.send(m.CLOSE)
        return web.output

    assert b"43 132" in web_side(streams, body)


def test_given_an_open_terminal_when_the_web_side_closes_then_the_exec_process_ends(streams, container):
    async def body(web):
        ready = await web.open("terminal", container)
        await web.send(m.INPUT, data=b"echo ready\r")
        await web.read_until(b"ready\r\n")
        await web.send(m.CLOSE)
        return ready["exec"]

    exec_id = web_side(streams, body)

    engine = Engine("unix:///var/run/docker.sock")
    deadline = time.monotonic() + 5
    while (state := inspect_exec(engine, exec_id)).running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not state.running, "the shell is still running after its session closed"


def test_given_a_missing_command_when_opened_then_the_user_reads_why(streams, container):
    async def body(web):
        ready = await web.open("terminal", container, cmd=["/bin/no-such-shell"])
        if ready["type"] == m.ERROR:
            return ready
        return await web.read_until(b"\x00never")

    message = web_side(streams, body)

    assert message["type"] in (m.ERROR, m.END)
    if message["type"] == m.END:
        assert message["code"] == 126 or message["code"] == 127


def test_given_a_stopped_container_when_a_terminal_is_asked_then_it_is_refused(streams):
    cid = docker("create", "--label", TEST_LABEL, IMAGE, "sleep", "1")
    try:
        message = web_side(streams, lambda web: web.open("terminal", cid))
    finally:
        docker("rm", "-f", cid, check=False)

    assert message == {"type": m.ERROR, "message": "The container is not running (created)."}


def test_given_an_attached_console_when_detached_then_the_container_keeps_running(streams):
    cid = docker("run", "-dit", "--label", TEST_LABEL, IMAGE, "sh")
    try:

        async def body(web):
            ready = await web.open("attach", cid, cols=90, rows=20)
            await web.send(m.INPUT, data=b"echo attached-$((6*7))\r")
            await web.read_until(b"attached-42")
            await web.send(m.CLOSE)
            await asyncio.sleep(0.5)
            return ready

        ready = web_side(streams, body)
        running = docker("inspect", "-f", "{{.State.Running}}", cid)
    finally:
        docker("rm", "-f", cid, check=False)

    assert ready["tty"] is True
    assert running == "true"
