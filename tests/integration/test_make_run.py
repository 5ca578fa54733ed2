"""`make run`'s supervisor (`python -m stack`): up with one command, told how to log in, down with Ctrl-C."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import websockets.sync.client

from tests.conftest import TEST_REDIS_URL
from tests.support.processes import REPO, free_port, wait_until

pytestmark = pytest.mark.integration

# The tests' Redis server (the shared one, or a test lane's own), another db than the `stack`'s.
MAKE_RUN_REDIS_URL = TEST_REDIS_URL.rsplit("/", 1)[0] + "/11"


def start_stack(tmp_path, **env):
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BERTH_"))}
    full_env = {
        **inherited,
        "BERTH_PORT": str(free_port()),
        "BERTH_BIND": "127.0.0.1",
        "BERTH_DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": MAKE_RUN_REDIS_URL,
        **env,
    }
    log = tmp_path / "stack.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "stack"], cwd=REPO, env=full_env, stdout=handle, stderr=subprocess.STDOUT
        )
    return process, log, full_env


def descendants_alive(marker: str) -> list[str]:
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    return [line for line in ps.splitlines() if marker in line]


# What Celery and Uvicorn print at INFO or on their own: banners, the root warning, request lines.
NOISE = (
    "-------------- ",
    "[tasks]",
    "[config]",
    "SecurityWarning",
    "superuser privileges",
    "Traceback",
    "DeprecationWarning",
    " INFO ",
    "INFO:",
    "GET /",
)


def assert_quiet_start(output: str) -> None:
    """For people: the supervisor's own lines, one "Ready:" line per worker process, and nothing
    else but warnings and errors (reports a previous run left in the queue may warn)."""
    lines = [line for line in output.splitlines() if line.strip()]
    ready = [line.split("|", 1)[0].strip() for line in lines if "| Ready: " in line]
    assert sorted(ready) == ["host-worker", "portal-worker"], output
    others = [line for line in lines if not line.startswith("berth ") and "| Ready: " not in line]
    assert [line for line in others if " WARNING " not in line and " ERROR " not in line] == [], output
    assert [line for line in lines if any(word in line for word in NOISE)] == [], output


def test_given_redis_and_docker_when_make_run_starts_then_it_prints_the_login_and_stops_cleanly(stack, tmp_path):
    # `stack` (the fixture) keeps Redis and a portal running beside this one: two installs coexist.
    name = f"make-run-{os.getpid()}"
    process, log, env = start_stack(tmp_path, BERTH_LOCAL_HOST_NAME=name)
    port = env["BERTH_PORT"]
    try:
        banner = wait_until(
            lambda: "Press Ctrl-C to stop." in log.read_text() and log.read_text(), 60, what="the stack's banner"
        )
        assert f"Berth is up: http://127.0.0.1:{port}/" in banner
        password = re.search(r"username 'admin', password '([^']+)'", banner).group(1)
        password_file = tmp_path / "data" / "admin-password"
        assert password_file.read_text().strip() == password
        assert password_file.stat().st_mode & 0o777 == 0o600

        base = f"http://127.0.0.1:{port}"
        token = wait_until(
            lambda: (
                requests.post(f"{base}/api/v1/auth/token/", json={"username": "admin", "password": password}, timeout=5)
                .json()
                .get("token")
            ),
            30,
            what="the API to issue a token",
        )

        def local_host_online():
            hosts = requests.get(
                f"{base}/api/v1/hosts/", headers={"Authorization": f"Token {token}"}, timeout=5
            ).json()["results"]
            return any(h["name"] == name and h["status"] == "online" for h in hosts)

        wait_until(local_host_online, 20, what="the local host to be online")
        wait_until(lambda: "portal-worker| Ready:" in log.read_text(), 20, what="the portal worker's ready line")
        assert_quiet_start(log.read_text())
        # Everything the stack and its processes wrote is its owner's alone (umask 077).
        data = tmp_path / "data"
        readable = [str(p) for p in [data, *data.rglob("*")] if not p.is_symlink() and p.stat().st_mode & 0o077]
        assert data.stat().st_mode & 0o777 == 0o700 and (data / "berth.sqlite3").stat().st_mode & 0o777 == 0o600
        assert readable == []
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(60)

    assert code == 0, log.read_text()[-3000:]
    assert "Stopped." in log.read_text()
    assert descendants_alive(f"--name {name}") == []
    assert descendants_alive(f"-p {port} ") == []


def test_given_no_docker_engine_when_make_run_starts_then_the_dashboard_says_so(stack, tmp_path):
    process, log, env = start_stack(
        tmp_path,
        DOCKER_HOST=f"unix://{tmp_path}/no-docker.sock",
        DJANGO_SUPERUSER_USERNAME="admin",
        DJANGO_SUPERUSER_PASSWORD="no-docker-pass-1",
    )
    base = f"http://127.0.0.1:{env['BERTH_PORT']}"
    try:
        wait_until(lambda: "Press Ctrl-C to stop." in log.read_text(), 60, what="the stack's banner")
        assert "no-docker.sock did not answer" in log.read_text()
        session = requests.Session()
        wait_until(lambda: session.get(f"{base}/login/", timeout=5).ok, 30, what="the login page")
        response = session.post(
            f"{base}/login/",
            data={
                "username": "admin",
                "password": "no-docker-pass-1",
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": f"{base}/login/"},
            timeout=5,
        )
        assert response.url == f"{base}/"
        assert "No local Docker engine" in response.text
        assert "no-docker.sock did not answer" in response.text
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 0


def test_given_no_redis_and_no_way_to_start_one_when_make_run_starts_then_it_says_how_to_fix_it(tmp_path):
    # Nothing answers on port 1, and the PATH offers neither redis-server nor apt-get.
    bare_path = tmp_path / "bin"
    bare_path.mkdir()
    started = time.monotonic()
    process, log, _ = start_stack(tmp_path, REDIS_URL="redis://127.0.0.1:1/0", PATH=str(bare_path))

    assert process.wait(30) == 1
    output = log.read_text()
    assert "No Redis answers at redis://127.0.0.1:1/0" in output
    assert "apt-get install redis-server" in output
    assert "Traceback" not in output
    assert time.monotonic() - started < 30


def process_tree(pid: int) -> list[int]:
    """`pid`'s descendants, read from /proc (children first found by their parent's pid)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(") ", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pids: list[int]) -> list[int]:
    left = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(") ", 1)[1][0] != "Z":
                    left.append(pid)
        except OSError:
            pass
    return left


def admin_token(base: str, log) -> str:
    password = re.search(r"username 'admin', password '([^']+)'", log.read_text()).group(1)
    return wait_until(
        lambda: (
            requests.post(f"{base}/api/v1/auth/token/", json={"username": "admin", "password": password}, timeout=5)
            .json()
            .get("token")
        ),
        30,
        what="a token",
    )


def test_given_two_web_processes_when_one_crashes_and_the_stack_stops_with_sockets_open_then_all_is_gone_in_10_s(
    stack, tmp_path
):
    process, log, env = start_stack(tmp_path, BERTH_WEB_PROCESSES="2", DOCKER_HOST=f"unix://{tmp_path}/none.sock")
    base = f"http://127.0.0.1:{env['BERTH_PORT']}"
    sockets = contextlib.ExitStack()
    try:
        wait_until(lambda: "Press Ctrl-C to stop." in log.read_text(), 60, what="the stack's banner")
        token = admin_token(base, log)
        # A web process that crashes is restarted; the port keeps answering meanwhile.
        web = [p for p in process_tree(process.pid) if b"uvicorn" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(web) == 2
        os.kill(web[0], signal.SIGKILL)
        wait_until(lambda: "restarted (restart 1)" in log.read_text(), 20, what="the web process to be restarted")
        assert requests.get(f"{base}/login/", timeout=5).ok
        ws_url = base.replace("http", "ws") + f"/ws/events/?token={token}"
        for _ in range(6):
            sockets.enter_context(websockets.sync.client.connect(ws_url, origin=base))
        tree = process_tree(process.pid)
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        code = process.wait(30)
        took = time.monotonic() - started
    finally:
        sockets.close()
        if process.poll() is None:
            process.kill()

    assert code == 0, log.read_text()[-3000:]
    assert took < 10, f"stopping took {took:.1f} s"
    assert alive(tree) == []


def test_given_the_supervisor_killed_with_sigkill_then_no_process_is_left_behind(stack, tmp_path):
    name = f"make-run-kill-{os.getpid()}"
    process, log, env = start_stack(tmp_path, BERTH_LOCAL_HOST_NAME=name)
    try:
        wait_until(lambda: "Press Ctrl-C to stop." in log.read_text(), 60, what="the stack's banner")
        tree = process_tree(process.pid)
        assert len(tree) >= 3  # web, portal worker, host worker
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        wait_until(lambda: alive(tree) == [], 10, what="every child to die with the supervisor")
    finally:
        if process.poll() is None:
            process.kill()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{env['BERTH_PORT']}/login/", timeout=2)
