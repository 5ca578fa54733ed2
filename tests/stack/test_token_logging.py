"""Tokens never appear in a log line: the web process, as `make run` starts it, logs a websocket
opened with `?token=` and a request with a token in its query without the token."""

import asyncio
import logging
import os
import subprocess

import pytest
import requests
import websockets

from portal.accounts.log_redaction import RedactTokens, redact
from stack.commands import web_command
from tests.support.aio import run_async
from tests.support.processes import PYTHON, REPO, free_port, wait_until

KEY = "berth_" + "Q" * 20 + "-_" + "z" * 21  # shaped like a real key: the prefix and 43 characters


def record(message: str, *args) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, message, args, None)


def test_the_filter_takes_tokens_out_of_the_message_and_its_arguments_keeping_their_shape():
    access = record('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", f"/ws/events/?tail=5&token={KEY}", "1.1", 101)
    error = record(f"Refused Authorization: Token {KEY} for /x?access_token=abc&b=1")

    for line in (access, error):
        assert RedactTokens().filter(line) is True

    assert access.args == ("127.0.0.1:5", "GET", "/ws/events/?tail=5&token=[redacted]", "1.1", 101)
    assert error.getMessage() == "Refused Authorization: Token berth_[redacted] for /x?access_token=[redacted]&b=1"
    assert redact("berth_registry_client is a name, not a key") == "berth_registry_client is a name, not a key"


@pytest.fixture
def web(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BERTH_"))},
        "BERTH_DATA_DIR": str(tmp_path),
        "REDIS_URL": os.environ.get("BERTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/9"),
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput"], cwd=REPO, env=env, check=True, capture_output=True)
    port = free_port()
    log = tmp_path / "web.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            web_command("127.0.0.1", port, proxy_headers=False),
            cwd=REPO,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/login/", timeout=2).ok, 30, what="the web process")
        yield port, log
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_the_web_processs_log_holds_no_websocket_or_query_token(web):
    port, log = web

    async def open_socket():
        url = f"ws://127.0.0.1:{port}/ws/events/?token={KEY}"
        async with websockets.connect(url, origin=f"http://127.0.0.1:{port}") as socket:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
            return closed.value.rcvd.code

    assert run_async(open_socket()) == 4401  # an unknown token: refused, and logged
    assert requests.get(f"http://127.0.0.1:{port}/login/?next=/&token={KEY}", timeout=5).ok

    def logged():
        text = log.read_text()
        return text if "WebSocket /ws/events/" in text and "GET /login/" in text else None

    text = wait_until(logged, 10, what="the access lines")
    assert KEY not in text and KEY[6:] not in text
    assert "/ws/events/?token=[redacted]" in text and "&token=[redacted]" in text
