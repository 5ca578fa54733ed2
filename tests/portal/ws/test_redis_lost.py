"""Redis failing under a socket (the channel layer raising redis errors): at the handshake, while
the socket waits for messages, in a handler and in a background task, every consumer closes with
4503 and a reason, in one log line, never an HTTP 500 or a 1006 with a traceback (issue: Redis
stopped for 10 s killed every open socket with 1006, and the first terminal after answered 500)."""

import asyncio
import logging

import pytest
import redis
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import path

from portal.accounts.socket_auth import BerthAuthMiddlewareStack
from portal.ws.consumers import REDIS_LOST_REASON, BerthJsonConsumer
from tests.portal.factories import make_superuser
from tests.portal.ws.sockets import SITE, events_socket, run_async, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


class FailingLayer(InMemoryChannelLayer):
    """The in-memory layer, until `fail()`: then every call raises as redis-py does with Redis gone,
    and a receive already waiting raises too."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.failing = asyncio.Event()

    def fail(self):
        self.failing.set()

    def _check(self):
        if self.failing.is_set():
            raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    async def group_add(self, group, channel):
        self._check()
        await super().group_add(group, channel)

    async def group_discard(self, group, channel):
        self._check()
        await super().group_discard(group, channel)

    async def send(self, channel, message):
        self._check()
        await super().send(channel, message)

    async def receive(self, channel):
        self._check()
        receiving = asyncio.ensure_future(super().receive(channel))
        failing = asyncio.ensure_future(self.failing.wait())
        try:
            await asyncio.wait({receiving, failing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            failing.cancel()
        if not receiving.done():
            receiving.cancel()
            self._check()
        return receiving.result()


@pytest.fixture(autouse=True)
def failing_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"{__name__}.FailingLayer"}}


@pytest.fixture
def cookie():
    return session_cookie(make_superuser())


class BackgroundConsumer(BerthJsonConsumer):
    """Starts a task that talks to the layer when the browser says "go"."""

    async def start(self):
        await self.send_json({"type": "hello"})

    async def receive_json(self, content, **kwargs):
        self.background(self.channel_layer.send("somewhere", {"type": "x"}))

    async def still_allowed(self):
        return True


application = BerthAuthMiddlewareStack(URLRouter([path("ws/background/", BackgroundConsumer.as_asgi())]))


async def closed_with(socket) -> dict:
    while (output := await socket.receive_output(timeout=3))["type"] != "websocket.close":
        pass
    return output


def assert_one_line_about_redis(caplog):
    lines = [r for r in caplog.records if "Redis failed" in r.getMessage()]
    assert len(lines) == 1, [r.getMessage() for r in caplog.records]
    assert lines[0].exc_info is None and "Traceback" not in caplog.text


@run_async
async def test_given_redis_down_when_a_socket_opens_then_it_is_accepted_and_closed_with_4503(cookie, caplog):
    get_channel_layer().fail()
    socket = events_socket(cookie=cookie)

    with caplog.at_level(logging.INFO):
        connected, _ = await socket.connect(timeout=3)
        close = await closed_with(socket)

    assert connected
    assert close["code"] == 4503 and close["reason"] == REDIS_LOST_REASON
    assert_one_line_about_redis(caplog)


@run_async
async def test_given_an_open_socket_when_redis_goes_then_it_closes_with_4503(cookie, caplog):
    socket = events_socket(cookie=cookie)
    connected, _ = await socket.connect(timeout=3)
    assert connected
    assert (await socket.receive_json_from(timeout=2))["type"] == "hello"

    with caplog.at_level(logging.INFO):
        get_channel_layer().fail()
        close = await closed_with(socket)

    assert close["code"] == 4503 and close["reason"] == REDIS_LOST_REASON
    assert_one_line_about_redis(caplog)


@run_async
async def test_given_a_background_task_when_redis_fails_in_it_then_the_socket_closes_with_4503(cookie, caplog):
    socket = WebsocketCommunicator(application, "/ws/background/", headers=[(b"host", SITE), (b"cookie", cookie)])
    connected, _ = await socket.connect(timeout=3)
    assert connected
    assert (await socket.receive_json_from(timeout=2))["type"] == "hello"
    layer = get_channel_layer()

    with caplog.at_level(logging.INFO):
        # The send in the background fails; the socket's own receive keeps waiting meanwhile.
        layer.send = _raise_connection_error
        await socket.send_json_to({"type": "go"})
        close = await closed_with(socket)

    assert close["code"] == 4503 and close["reason"] == REDIS_LOST_REASON
    assert_one_line_about_redis(caplog)


async def _raise_connection_error(*args, **kwargs):
    raise redis.ConnectionError("Connection closed by server.")
