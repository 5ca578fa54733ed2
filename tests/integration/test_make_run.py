"""`make run`'s supervisor (`python -m stack`): up with one command, told how to log in, down with Ctrl-C."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.support.processes import REPO, free_port, wait_until

pytestmark = pytest.mark.integration


def start_stack(tmp_path, **env):
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BERTH_"))}
    full_env = {
        **inherited,
        "BERTH_PORT": str(free_port()),
        "BERTH_BIND": "127.0.0.1",
        "BERTH_DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": "redis://127.0.0.1:6379/11",
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
