"""Logs and stats of real containers, through the whole stack: the browser's websocket, the web
process, Redis, the host worker and the engine."""

import asyncio
import json
import time

import pytest
import requests
import websockets

from tests.integration.test_inventory import container_named
from tests.support.aio import run_async
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, remove_test_objects
from tests.support.processes import wait_until

pytestmark = pytest.mark.integration

BOTH_STREAMS = "i=1; while [ $i -le 50 ]; do echo out $i; echo err $i >&2; i=$((i+1)); done; sleep 300"


@pytest.fixture(autouse=True)
def clean_engine():
    yield
    remove_test_objects()


def run_container(stack, host, name: str, script: str, *flags: str, state: str = "running") -> dict:
    docker("run", "-d", "--name", name, "--label", TEST_LABEL, *flags, IMAGE, "sh", "-c", script)
    return wait_until(container_named(stack, host, name, state=state), 15, what=f"{name} {state} in Berth")


class Received:
    """What a logs socket delivered: the lines of each stream, the control messages, the close."""

    def __init__(self):
        self.lines = {"stdout": [], "stderr": []}
        self.partial = {"stdout": "", "stderr": ""}
        self.messages = []
        self.frames = 0
        self.close = None

    def take(self, frame: str) -> None:
        data = json.loads(frame)
        if isinstance(data, dict):
            self.messages.append(data)
            return
        self.frames += 1
        for entry in data:
            parts = (self.partial[entry["stream"]] + entry["data"]).split("\n")
            self.partial[entry["stream"]] = parts.pop()
            self.lines[entry["stream"]].extend(parts)

    def types(self) -> list[str]:
        return [m["type"] for m in self.messages]


def socket_url(stack, container: dict, kind: str, query: str = "", token: str | None = None) -> str:
    query = f"&{query}" if query else ""
    return f"ws://127.0.0.1:{stack.port}/ws/containers/{container['id']}/{kind}/?token={token or stack.token}{query}"


async def follow(url: str, until, timeout: float = 30, received: Received | None = None) -> Received:
    """Reads frames until `until(received)` holds, the socket closes, or `timeout` passes."""
    received = received or Received()
    async with websockets.connect(url, max_size=None) as socket:
        deadline = time.monotonic() + timeout
        try:
            while not until(received):
                received.take(await asyncio.wait_for(socket.recv(), max(0.01, deadline - time.monotonic())))
        except websockets.ConnectionClosed as closed:
            received.close = closed.rcvd
        except TimeoutError:
            pass
    return received


def test_given_a_container_writing_to_both_streams_then_lines_arrive_in_order_each_with_its_stream(
    stack, local_host, host_name
):
    container = run_container(stack, local_host, f"{host_name}-both", BOTH_STREAMS)

    got = run_async(follow(socket_url(stack, container, "logs"), lambda r: len(r.lines["stderr"]) >= 50))

    assert got.messages[0] == {"type": "ready", "tty": False}
    assert got.lines["stdout"] == [f"out {i}" for i in range(1, 51)]
    assert got.lines["stderr"] == [f"err {i}" for i in range(1, 51)]
    assert got.close is None  # still following


def test_given_a_tail_then_only_the_last_lines_come_and_new_ones_follow(stack, local_host, host_name):
    container = run_container(stack, local_host, f"{host_name}-tail", "seq 1 100; sleep 3; echo later; sleep 300")

    got = run_async(follow(socket_url(stack, container, "logs", "tail=3"), lambda r: "later" in r.lines["stdout"]))

    assert got.lines["stdout"] == ["98", "99", "100", "later"]


def test_given_a_container_writing_as_fast_as_it_can_then_every_line_arrives_without_a_gap(
    stack, local_host, host_name
):
    count = 200_000
    container = run_container(stack, local_host, f"{host_name}-fast", f"seq 1 {count}", state="exited")

    started = time.monotonic()
    got = run_async(follow(socket_url(stack, container, "logs"), lambda r: r.close is not None, timeout=90))
    elapsed = time.monotonic() - started

    assert got.lines["stdout"] == [str(i) for i in range(1, count + 1)]
    assert got.messages[-1] == {"type": "end", "code": 0, "reason": "The container stopped (exit code 0)."}
    assert (got.close.code, got.close.reason) == (1000, "The container stopped (exit code 0).")
    print(f"\n{count} lines in {got.frames} frames, {elapsed:.2f} s: {count / elapsed:,.0f} lines/s")


def test_given_a_stopped_container_then_its_logs_show_and_then_that_it_stopped(stack, local_host, host_name):
    container = run_container(stack, local_host, f"{host_name}-done", "echo bye >&2; exit 3", state="exited")

    got = run_async(follow(socket_url(stack, container, "logs"), lambda r: False, timeout=15))

    assert got.lines["stderr"] == ["bye"]
    assert got.types() == ["ready", "end"]
    assert got.messages[-1]["reason"] == "The container stopped (exit code 3)."
    assert got.close.code == 1000


def test_given_a_tty_container_then_its_output_comes_as_stdout(stack, local_host, host_name):
    container = run_container(stack, local_host, f"{host_name}-tty", "echo on-a-tty >&2; sleep 300", "-t")

    got = run_async(follow(socket_url(stack, container, "logs"), lambda r: r.lines["stdout"]))

    assert got.messages[0] == {"type": "ready", "tty": True}
    assert got.lines["stdout"] == ["on-a-tty\r"]
    assert got.lines["stderr"] == []


def test_given_timestamps_and_since_then_lines_carry_their_time_and_older_ones_are_left_out(
    stack, local_host, host_name
):
    # "new" only once told (/go), never on a clock: however slow the machine, "old" is before `since`
    # and "new" after it.
    script = "echo old; while [ ! -f /go ]; do sleep 0.05; done; echo new; sleep 300"
    container = run_container(stack, local_host, f"{host_name}-since", script)
    wait_until(lambda: "old" in docker("logs", container["name"]), 10, what="the old line")
    time.sleep(0.1)
    since = time.time()
    time.sleep(0.1)
    docker("exec", container["name"], "touch", "/go")

    got = run_async(
        follow(socket_url(stack, container, "logs", f"since={since}&timestamps=1"), lambda r: r.lines["stdout"])
    )

    stamp, text = got.lines["stdout"][0].split(" ", 1)
    assert text == "new" and stamp.endswith("Z")


def test_given_a_paused_socket_then_nothing_flows_until_it_resumes(stack, local_host, host_name):
    counter = "i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done"
    container = run_container(stack, local_host, f"{host_name}-pause", counter)

    async def pause_and_resume():
        received = Received()
        async with websockets.connect(socket_url(stack, container, "logs")) as socket:
            while len(received.lines["stdout"]) < 5:
                received.take(await asyncio.wait_for(socket.recv(), 10))
            await socket.send(json.dumps({"type": "pause"}))
            await asyncio.sleep(0.5)  # what was in flight when paused
            while True:
                try:
                    received.take(await asyncio.wait_for(socket.recv(), 0.2))
                except TimeoutError:
                    break
            paused_at = len(received.lines["stdout"])
            frames_while_paused = received.frames
            await asyncio.sleep(2)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(socket.recv(), 0.1)
            await socket.send(json.dumps({"type": "resume"}))
            while len(received.lines["stdout"]) < paused_at + 40:
                received.take(await asyncio.wait_for(socket.recv(), 10))
            return received, frames_while_paused

    received, frames_while_paused = run_async(pause_and_resume())
    numbers = [int(n) for n in received.lines["stdout"]]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # nothing lost while paused
    assert frames_while_paused < received.frames


def test_given_a_running_container_then_stats_samples_come_with_sane_figures(stack, local_host, host_name):
    container = run_container(stack, local_host, f"{host_name}-stats", "while true; do :; done")

    async def samples():
        async with websockets.connect(socket_url(stack, container, "stats")) as socket:
            ready = json.loads(await asyncio.wait_for(socket.recv(), 10))
            got = [json.loads(await asyncio.wait_for(socket.recv(), 10)) for _ in range(3)]
            docker("stop", "-t", "0", container["name"])
            while (last := json.loads(await asyncio.wait_for(socket.recv(), 10)))["type"] == "stats":
                pass
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
            return ready, got, last, closed.value.rcvd

    ready, got, last, close = run_async(samples())

    assert ready == {"type": "ready"}
    assert [m["type"] for m in got] == ["stats"] * 3
    samples = [m["sample"] for m in got]
    assert samples[0]["cpu_percent"] is None or samples[0]["cpu_percent"] >= 0  # the first has no interval yet
    # A busy loop: well above an idle container's 0 %, even on a machine busy with other tests.
    assert all(s["cpu_percent"] > 5 for s in samples[1:]), samples
    assert all(0 < s["memory_usage"] < s["memory_limit"] for s in samples)
    assert all(s["pids"] >= 1 and s["online_cpus"] >= 1 and s["network_rx"] >= 0 for s in samples)
    # When the container stops, the stream says so and closes.
    assert last == {"type": "end", "code": 137, "reason": "The container stopped (exit code 137)."}
    assert close.code == 1000


def test_given_a_stopped_container_then_stats_refuse_with_4409(stack, local_host, host_name):
    container = run_container(stack, local_host, f"{host_name}-nostats", "exit 0", state="exited")

    got = run_async(follow(socket_url(stack, container, "stats"), lambda r: False, timeout=10))

    assert got.close.code == 4409
    assert "is not running" in got.close.reason


def test_given_a_container_when_its_logs_are_downloaded_then_the_text_comes_as_a_file(stack, local_host, host_name):
    container = run_container(stack, local_host, f"{host_name}-dl", "seq 1 5000; echo oops >&2", state="exited")
    url = f"{stack.base_url}/api/v1/containers/{container['id']}/logs/"

    whole = requests.get(url, headers=stack.headers(), timeout=30)
    last = requests.get(url, params={"tail": "1"}, headers=stack.headers(), timeout=30)

    assert whole.status_code == 200
    assert whole.headers["Content-Type"].startswith("text/plain")
    assert whole.headers["Content-Disposition"] == f'attachment; filename="{host_name}-dl.log"'
    lines = whole.text.splitlines()
    assert [line for line in lines if line != "oops"] == [str(i) for i in range(1, 5001)]
    assert "oops" in lines
    assert len(last.text.splitlines()) == 1
