"""The web terminal over the real stack: a websocket client → uvicorn → Redis → host worker →
the engine's exec, and back. Typed input echoes, resizes reach `stty size`, split UTF-8
arrives whole, exit codes are reported, refusals come before any byte, the exec process ends
with its tab, sessions are recorded and audited, attach detaches, raw mode speaks plain bytes."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import pty
import signal
import struct
import termios
import time
from urllib.parse import urlencode

import pyte
import pytest
import requests
import websockets

from tests.conftest import unique_name
from tests.integration.test_inventory import container_named
from tests.support.aio import run_async
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, remove_test_objects
from tests.support.processes import wait_until
from tests.support.roles import user_with_role

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def terminal_host(stack):
    """One host worker on the local engine for this module's tests."""
    name = unique_name("terminals")
    worker = stack.host_worker(name)
    yield stack.wait_for_host(name, "online", timeout=20)
    worker.stop()
    remove_test_objects()


def run_container(stack, host, *args: str, name: str | None = None, state: str = "running") -> dict:
    """`docker run -d` (or another verb through args) a labelled busybox; its row in Berth's API."""
    name = name or unique_name("term")
    docker(*(args or ("run", "-d")), "--label", TEST_LABEL, "--name", name, IMAGE, "sleep", "3600")
    return wait_until(container_named(stack, host, name, state=state), 15, what=f"{name} {state} in Berth")


@pytest.fixture(scope="module")
def shell_container(stack, terminal_host):
    return run_container(stack, terminal_host)


def url(stack, container_id: int, kind: str = "terminal", token: str | None = "", **query) -> str:
    params = dict(query)
    if token is not None:
        params["token"] = token or stack.token
    return f"ws://127.0.0.1:{stack.port}/ws/containers/{container_id}/{kind}/?{urlencode(params)}"


class Terminal:
    """A client of the terminal contract: binary frames are bytes, text frames JSON control."""

    def __init__(self, socket):
        self.socket = socket
        self.output = b""
        self.frames: list[bytes] = []
        self.controls: list[dict] = []

    async def ready(self) -> dict:
        message = await self.control()
        assert message["type"] == "ready", message
        return message

    async def control(self) -> dict:
        while True:
            frame = await asyncio.wait_for(self.socket.recv(), 15)
            if isinstance(frame, str):
                message = json.loads(frame)
                self.controls.append(message)
                return message
            self.frames.append(frame)
            self.output += frame

    async def type(self, text: str | bytes) -> None:
        await self.socket.send(text.encode() if isinstance(text, str) else text)

    async def send_control(self, **message) -> None:
        await self.socket.send(json.dumps(message))

    async def read_until(self, wanted: bytes, timeout: float = 10) -> bytes:
        start = len(self.output)

        async def read():
            while wanted not in self.output[start:]:
                frame = await self.socket.recv()
                if isinstance(frame, str):
                    self.controls.append(json.loads(frame))
                    raise AssertionError(f"control {frame} before {wanted!r}; output {self.output[-300:]!r}")
                self.frames.append(frame)
                self.output += frame
            return self.output[start:]

        return await asyncio.wait_for(read(), timeout)


@contextlib.asynccontextmanager
async def terminal(stack, container_id: int, kind: str = "terminal", **query):
    async with websockets.connect(
        url(stack, container_id, kind, **query), origin=f"http://127.0.0.1:{stack.port}", max_size=None
    ) as socket:
        yield Terminal(socket)


async def close_of(stack, address: str):
    async with websockets.connect(address, origin=f"http://127.0.0.1:{stack.port}") as socket:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(socket.recv(), 15)
        return closed.value.rcvd


def test_given_a_running_container_when_text_is_typed_then_it_echoes_and_the_exit_code_comes_back(
    stack, shell_container
):
    async def session():
        async with terminal(stack, shell_container["id"]) as term:
            ready = await term.ready()
            await term.type("echo hel''lo-from-berth\r")
            await term.read_until(b"hello-from-berth\r\n")
            await term.type("exit 7\r")
            ended = await term.control()
            with pytest.raises(websockets.ConnectionClosedOK) as closed:
                await asyncio.wait_for(term.socket.recv(), 10)
            return ready, ended, closed.value.rcvd

    ready, ended, close = run_async(session())

    assert isinstance(ready["session"], int)
    assert ended == {"type": "exit", "code": 7}
    assert close.code == 1000


def test_given_a_size_at_connect_and_a_resize_when_stty_asks_then_it_reports_each(stack, shell_container):
    async def session():
        async with terminal(stack, shell_container["id"], cols=101, rows=29) as term:
            await term.ready()
            await term.type("stty size\r")
            at_start = await term.read_until(b"29 101")
            await term.send_control(type="resize", cols=132, rows=43)
            await term.type("stty size\r")
            after = await term.read_until(b"43 132")
            return at_start, after

    at_start, after = run_async(session())

    assert b"29 101" in at_start and b"43 132" in after


def test_given_a_character_split_between_two_reads_when_it_arrives_then_it_is_whole(stack, shell_container):
    # 你 is E4 BD A0 and 😀 is F0 9F 98 80: the shell prints the first bytes, waits, then the rest.
    async def session():
        async with terminal(stack, shell_container["id"]) as term:
            ready = await term.ready()
            await term.type("printf '\\344\\275'; sleep 0.3; printf '\\240\\360\\237\\230\\200-done\\n'\r")
            await term.read_until("你😀-done".encode())
            await term.type("exit\r")
            await term.control()
            return ready["session"], term.frames

    session_id, frames = run_async(session())

    split = [f for f in frames if f.endswith(b"\xe4\xbd")]
    assert split, "the character was not split between frames: the test proves nothing"
    recording = wait_until(lambda: stack.get(f"/api/v1/sessions/{session_id}/recording/").text, 5, what="recording")
    events = [json.loads(line) for line in recording.splitlines()[1:]]
    printed = "".join(e[2] for e in events if e[1] == "o")
    assert "你😀-done" in printed and "\ufffd" not in printed


def test_given_a_session_when_it_ends_then_it_is_listed_with_its_exit_code_recording_and_audit(
    stack, terminal_host, shell_container
):
    async def session():
        async with terminal(stack, shell_container["id"], cols=90, rows=20) as term:
            ready = await term.ready()
            await term.send_control(type="ping")
            pong = await term.control()
            await term.type("echo recorded; exit 3\r")
            await term.control()
            return ready["session"], pong

    session_id, pong = run_async(session())

    assert pong == {"type": "pong"}
    listed = wait_until(
        lambda: (
            stack.get(f"/api/v1/sessions/{session_id}/").json().get("ended_at")
            and stack.get(f"/api/v1/sessions/{session_id}/").json()
        ),
        5,
        what="the session's end",
    )
    assert listed["exit_code"] == 3 and listed["user"] == "admin"
    assert listed["container_name"] == shell_container["name"] and listed["host_name"] == terminal_host["name"]
    cast = stack.get(f"/api/v1/sessions/{session_id}/recording/").text.splitlines()
    header, events = json.loads(cast[0]), [json.loads(line) for line in cast[1:]]
    assert header["version"] == 2 and (header["width"], header["height"]) == (90, 20)
    assert any(e[1] == "i" and "echo recorded" in e[2] for e in events)
    assert any(e[1] == "o" and "recorded" in e[2] for e in events)
    audit = stack.get("/api/v1/audit/", params={"action": "terminal.end"}).json()["results"]
    assert any(a["detail"].get("session") == session_id and a["detail"].get("exit_code") == 3 for a in audit)


def test_given_an_open_terminal_when_the_tab_closes_then_the_exec_process_ends(stack, shell_container):
    marker = f"sleep {int(time.time()) % 100000 + 100000}"

    async def session():
        async with terminal(stack, shell_container["id"]) as term:
            await term.ready()
            await term.type(f"{marker}\r")
            await asyncio.sleep(0.5)
            return docker("top", shell_container["engine_id"])

    running = run_async(session())

    assert marker in running
    wait_until(lambda: marker not in docker("top", shell_container["engine_id"]), 10, what="the exec to end")


def test_given_a_stopped_container_when_a_terminal_is_asked_then_it_is_refused_with_4409(stack, terminal_host):
    created = run_container(stack, terminal_host, "create", state="created")

    close = run_async(close_of(stack, url(stack, created["id"])))

    assert close.code == 4409 and "not running" in close.reason


def test_given_no_login_when_a_terminal_is_asked_then_it_is_refused_with_4401(stack, shell_container):
    close = run_async(close_of(stack, url(stack, shell_container["id"], token=None)))

    assert close.code == 4401


def test_given_an_unknown_container_when_a_terminal_is_asked_then_it_is_refused_with_4404(stack):
    close = run_async(close_of(stack, url(stack, 987654321)))

    assert close.code == 4404


def test_given_an_offline_host_when_a_terminal_is_asked_then_it_is_refused_with_4503(stack):
    name = unique_name("offline")
    worker = stack.host_worker(name)
    host = stack.wait_for_host(name, "online", timeout=20)
    try:
        container = run_container(stack, host)
    finally:
        worker.stop()
    stack.wait_for_host(name, "offline", timeout=20)

    close = run_async(close_of(stack, url(stack, container["id"])))

    assert close.code == 4503 and "offline" in close.reason


def test_given_an_interactive_container_when_attached_and_detached_then_it_keeps_running(stack, terminal_host):
    name = unique_name("attach")
    docker("run", "-dit", "--label", TEST_LABEL, "--name", name, IMAGE, "sh")
    container = wait_until(container_named(stack, terminal_host, name, state="running"), 15, what="running")

    async def session():
        async with terminal(stack, container["id"], kind="attach") as term:
            await term.ready()
            await term.type("echo attached-$((6*7))\r")
            return await term.read_until(b"attached-42")

    run_async(session())

    time.sleep(1)
    assert docker("inspect", "-f", "{{.State.Running}}", name) == "true"


def test_given_raw_mode_when_text_is_typed_then_bytes_flow_and_the_close_carries_the_exit_code(stack, shell_container):
    async def session():
        address = url(stack, shell_container["id"], raw=1)
        async with websockets.connect(address, origin=f"http://127.0.0.1:{stack.port}") as socket:
            await socket.send("echo raw-$((40+2)); exit 4\r")
            output = b""
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    frame = await asyncio.wait_for(socket.recv(), 10)
                    assert isinstance(frame, bytes), f"raw mode sent a text frame: {frame!r}"
                    output += frame
            return output, closed.value.rcvd

    output, close = run_async(session())

    assert b"raw-42" in output
    assert close.code == 1000 and close.reason == "exit 4"


def test_given_a_flood_of_output_when_read_then_no_byte_is_lost_and_ctrl_c_stops_it(stack, shell_container):
    size = 5_000_000

    async def session():
        async with terminal(stack, shell_container["id"]) as term:
            await term.ready()
            # \132 is "Z": the echoed command line itself holds no Z.
            await term.type(f"head -c {size} /dev/zero | tr '\\0' '\\132'; echo; echo flood-$((0+1))-over\r")
            await term.read_until(b"flood-1-over\r\n", timeout=60)
            flood = term.output.count(b"Z")
            await term.type("yes\r")
            await term.read_until(b"y\r\ny\r\ny\r\n")
            await term.type(b"\x03")
            stopped_at = time.monotonic()
            await term.type("echo after-$((1+1))\r")
            await term.read_until(b"after-2", timeout=20)
            return flood, time.monotonic() - stopped_at

    flood, stop_seconds = run_async(session())

    assert flood == size
    assert stop_seconds < 5


def test_given_an_open_terminal_when_the_container_stops_then_the_page_is_told_instead_of_freezing(
    stack, terminal_host
):
    container = run_container(stack, terminal_host)

    async def session():
        async with terminal(stack, container["id"]) as term:
            await term.ready()
            await term.type("echo up-$((2+3))\r")
            await term.read_until(b"up-5")
            await asyncio.to_thread(docker, "kill", container["engine_id"])
            return await term.control()

    ended = run_async(session())

    assert ended["type"] == "exit", ended


# -- a dropped connection (issue 17) ---------------------------------------------------------------

COUNTER = "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); echo n$i; sleep 0.01; done\r"


def numbers(output: bytes) -> list[int]:
    return [int(line[1:]) for line in output.split(b"\r\n") if line[:1] == b"n" and line[1:].isdigit()]


def test_given_a_dropped_connection_when_resumed_within_the_grace_then_output_goes_on_without_loss_or_repeat(
    stack, shell_container
):
    async def session():
        async with terminal(stack, shell_container["id"]) as first:
            session_id = (await first.ready())["session"]
            await first.type(COUNTER)
            await first.read_until(b"n40\r\n")
            first.socket.transport.abort()  # no close frame: a laptop lid, a network blip
            before = first.output
        await asyncio.sleep(1)  # the counter goes on meanwhile
        async with terminal(stack, shell_container["id"], session=session_id, offset=len(before)) as second:
            ready = await second.ready()
            await second.read_until(b"\r\nn150\r\n", timeout=20)
            await second.type(b"\x03")
            await second.type("echo typed-after-''resume\r")
            await second.read_until(b"typed-after-resume\r\n")
            await second.type("exit 0\r")
            ended = await second.control()
            return session_id, ready, before, second.output, ended

    session_id, ready, before, after, ended = run_async(session())

    assert ready["resumed"] is True and ready["session"] == session_id
    assert ready["offset"] == len(before) and ready["reset"] is False
    seen = numbers(before + after)
    assert seen[:150] == list(range(1, 151)), "output was lost or repeated across the drop"
    assert ended == {"type": "exit", "code": 0}
    listed = stack.get(f"/api/v1/sessions/{session_id}/").json()
    assert listed["exit_code"] == 0
    cast = stack.get(f"/api/v1/sessions/{session_id}/recording/").text.splitlines()
    recorded = "".join(json.loads(line)[2] for line in cast[1:] if json.loads(line)[1] == "o").encode()
    assert numbers(recorded)[:150] == list(range(1, 151)), "the recording lost or repeated output"


def test_given_a_dropped_connection_when_nobody_resumes_within_the_grace_then_the_process_ends(stack, shell_container):
    marker = f"sleep {int(time.time()) % 100000 + 200000}"

    async def session():
        async with terminal(stack, shell_container["id"], grace=1) as first:
            session_id = (await first.ready())["session"]
            await first.type(f"{marker}\r")
            await asyncio.sleep(0.5)
            first.socket.transport.abort()
        return session_id

    session_id = run_async(session())

    assert marker in docker("top", shell_container["engine_id"]), "the process ended at once, not after the grace"
    wait_until(lambda: marker not in docker("top", shell_container["engine_id"]), 15, what="the exec to end")
    late = url(stack, shell_container["id"], session=session_id, offset=0)
    assert run_async(close_of(stack, late)).code == 4404


# -- watching a live session (issue 17) ------------------------------------------------------------


def watch_url(stack, session_id: int, token: str) -> str:
    return f"ws://127.0.0.1:{stack.port}/ws/sessions/{session_id}/watch/?{urlencode({'token': token})}"


def test_given_a_live_session_when_an_invited_user_watches_then_they_see_the_screen_then_live_output(
    stack, terminal_host, shell_container
):
    invited, invited_token = user_with_role(stack, "viewer", terminal_host["id"])
    _, stranger_token = user_with_role(stack, "viewer", terminal_host["id"])
    origin = f"http://127.0.0.1:{stack.port}"

    async def session():
        async with terminal(stack, shell_container["id"], cols=80, rows=24) as owner:
            session_id = (await owner.ready())["session"]
            await owner.type("echo before-$((40+2))\r")
            await owner.read_until(b"before-42\r\n")
            invite = stack.post(f"/api/v1/sessions/{session_id}/invites/", {"user": invited})
            refused = await close_of(stack, watch_url(stack, session_id, stranger_token))
            async with websockets.connect(watch_url(stack, session_id, invited_token), origin=origin) as socket:
                watcher = Terminal(socket)
                ready = await watcher.control()
                screen = await asyncio.wait_for(socket.recv(), 15)
                watchers = await owner.control()
                await owner.type("echo after-$((50+5))\r")
                await owner.read_until(b"after-55\r\n")
                await watcher.read_until(b"after-55")
            left = await owner.control()
            # Back again; the owner takes the invitation back: that watch is cut off at once.
            async with websockets.connect(watch_url(stack, session_id, invited_token), origin=origin) as socket:
                await Terminal(socket).control()
                await asyncio.wait_for(socket.recv(), 15)  # the screen
                await owner.control()  # watched again
                taken_back = time.monotonic()
                revoked = requests.delete(
                    f"{stack.base_url}/api/v1/sessions/{session_id}/invites/{invited}/",
                    headers=stack.headers(),
                    timeout=10,
                )
                with pytest.raises(websockets.ConnectionClosed) as cut:
                    while True:
                        await asyncio.wait_for(socket.recv(), 5)
                cut_after = time.monotonic() - taken_back
            await owner.control()  # nobody watching
            rejoin = await close_of(stack, watch_url(stack, session_id, invited_token))
            ended = stack.post(f"/api/v1/sessions/{session_id}/end/", {})
            said = await owner.control()
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(owner.socket.recv(), 10)
            cutting = (revoked, cut.value.rcvd, cut_after, rejoin)
            return session_id, invite, refused, ready, screen, watchers, left, ended, said, closed.value.rcvd, cutting

    session_id, invite, refused, ready, screen, watchers, left, ended, said, closed, cutting = run_async(session())
    revoked, cut, cut_after, rejoin = cutting

    assert invite.status_code == 201, invite.text
    assert refused.code == 4403
    assert ready == {"type": "ready", "session": session_id, "cols": 80, "rows": 24}
    assert b"before-42" in screen and screen.startswith(b"\x1b[0m\x1b[2J"), "not the screen as it is"
    assert watchers == {"type": "watchers", "watchers": [invited]}
    assert left == {"type": "watchers", "watchers": []}
    assert ended.status_code == 202, ended.text
    assert said == {"type": "error", "message": "admin ended this session."}
    assert closed.code == 4403
    assert revoked.status_code == 204, revoked.text
    assert cut.code == 4403 and cut_after < 2.0, (cut, cut_after)
    assert rejoin.code == 4403  # no longer invited
    audit = stack.get("/api/v1/audit/", params={"action": "session.watch"}).json()["results"]
    mine = [a for a in audit if a["detail"].get("session") == session_id]
    events = sorted(a["detail"].get("event") or a["outcome"] for a in mine)
    assert events == ["denied", "denied", "joined", "joined", "left", "left"]
    taken = stack.get("/api/v1/audit/", params={"action": "session.invite.revoke"}).json()["results"]
    assert [a["detail"]["user"] for a in taken if a["detail"].get("session") == session_id] == [invited]
    assert any(
        a["detail"].get("session") == session_id
        for a in stack.get("/api/v1/audit/", params={"action": "session.end"}).json()["results"]
    )
    cast = stack.get(f"/api/v1/sessions/{session_id}/recording/").text.splitlines()
    markers = [json.loads(line)[2] for line in cast[1:] if json.loads(line)[1] == "m"]
    assert markers == [f"{invited} joined watching", f"{invited} left watching"] * 2 + ["admin ended this session."]


# -- fidelity (issue 17, item 5) ---------------------------------------------------------------------
# Full-screen programs (busybox vi, less, top) driven through Berth and through `docker exec -it`
# on a local pty with the same keys: the screens they leave, read by the same emulator (pyte),
# are the same, a resize in the middle of vi and wide characters included.

FIDELITY_STEPS = [
    # (keys, or ("resize", cols, rows); compare the screens after it?)
    ("printf 'wide: \\344\\275\\240\\345\\245\\275 end\\n'\r", True),
    ("vi\r", True),
    ("ihello world\x1b", True),
    (("resize", 100, 30), True),
    ("o\u4f60\u597d wide\x1b", True),
    (":q!\r", True),
    ("seq 1 200 | less\r", True),
    (" ", True),
    ("q", True),
    ("top\r", False),  # its figures change from one second to the next
    ("q", False),
    ("clear; echo done\r", True),
]


class LocalPty:
    """`docker exec -it` on a pty of this process: what a local terminal would show."""

    def __init__(self, container: str, cols: int, rows: int):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: becomes docker's CLI, on the pty as its controlling terminal
            command = ["docker", "exec", "-it", "-e", "TERM=xterm-256color", container, "/bin/sh"]
            os.execvp("docker", command)  # noqa: S606 (a fixed command, no shell wanted)
        self.resize(cols, rows)
        os.set_blocking(self.fd, False)
        self.output = b""

    def resize(self, cols: int, rows: int) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def take(self) -> bytes:
        try:
            data = os.read(self.fd, 65536)
        except (BlockingIOError, OSError):
            return b""
        self.output += data
        return data

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def test_given_full_screen_programs_when_driven_through_berth_then_the_screens_match_a_local_pty(
    stack, shell_container
):
    async def settle(term: Terminal, local: LocalPty, screens) -> None:
        """Reads both sides until neither has said anything for a while, feeding their screens."""
        quiet_since = time.monotonic()
        deadline = quiet_since + 8
        while time.monotonic() - quiet_since < 0.6 and time.monotonic() < deadline:
            got = local.take()
            try:
                frame = await asyncio.wait_for(term.socket.recv(), 0.05)
            except TimeoutError:
                frame = b""
            if isinstance(frame, str):
                term.controls.append(json.loads(frame))
                frame = b""
            for data, (_, stream) in ((frame, screens["berth"]), (got, screens["local"])):
                if data:
                    stream.feed(data)
                    quiet_since = time.monotonic()

    async def session():
        screens = {}
        for side in ("berth", "local"):
            screen = pyte.Screen(80, 24)
            screens[side] = (screen, pyte.ByteStream(screen))
        local = LocalPty(shell_container["engine_id"], 80, 24)
        differences = []
        try:
            async with terminal(stack, shell_container["id"], cols=80, rows=24) as term:
                await term.ready()
                await settle(term, local, screens)
                for step, compare in FIDELITY_STEPS:
                    if isinstance(step, tuple):
                        _, cols, rows = step
                        await term.send_control(type="resize", cols=cols, rows=rows)
                        local.resize(cols, rows)
                        for screen, _ in screens.values():
                            screen.resize(rows, cols)
                    else:
                        await term.type(step.encode())
                        local.type(step.encode())
                    await settle(term, local, screens)
                    berth, mine = screens["berth"][0], screens["local"][0]
                    if compare and (berth.display != mine.display or berth.cursor.x != mine.cursor.x):
                        differences.append((step, berth.display, mine.display))
                await term.type("exit\r")
        finally:
            local.close()
        return differences, screens["berth"][0].display

    differences, last = run_async(session())

    assert differences == [], f"screens differ after {[d[0] for d in differences]}: {differences[:1]}"
    assert any("done" in line for line in last)
