"""/ws/events/ over the real ASGI server and Redis: refusals, and an idle socket that stays up."""

import asyncio
import json

import pytest
import websockets

from tests.support.aio import run_async

pytestmark = pytest.mark.integration


async def first_message(url: str, **kwargs):
    async with websockets.connect(url, **kwargs) as socket:
        return json.loads(await asyncio.wait_for(socket.recv(), 10))


def test_given_no_login_when_opening_events_then_the_socket_closes_with_4401(stack):
    async def attempt():
        async with websockets.connect(f"ws://127.0.0.1:{stack.port}/ws/events/") as socket:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
            return closed.value.rcvd

    close = run_async(attempt())
    assert close.code == 4401
    assert close.reason == "Log in to Berth first."


def test_given_another_sites_origin_when_opening_events_then_the_handshake_is_refused(stack):
    url = f"ws://127.0.0.1:{stack.port}/ws/events/?token={stack.token}"

    with pytest.raises(websockets.InvalidStatus) as refused:
        run_async(first_message(url, origin="http://evil.example"))

    assert refused.value.response.status_code == 403


def test_given_an_open_events_socket_when_nothing_happens_for_a_while_then_it_stays_open(stack):
    # The channel layer waits on Redis in 5 s rounds; a client read timeout of the same length
    # once killed idle sockets after about five seconds.
    async def idle():
        url = f"ws://127.0.0.1:{stack.port}/ws/events/?token={stack.token}"
        async with websockets.connect(url, origin=f"http://127.0.0.1:{stack.port}") as socket:
            hello = json.loads(await asyncio.wait_for(socket.recv(), 10))
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(socket.recv(), 16)
            pong = await socket.ping()
            await asyncio.wait_for(pong, 5)
            return hello

    assert run_async(idle())["type"] == "hello"
