"""Driving Berth's websockets in tests: async bodies, session cookies, the events socket."""

import functools

from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from portal.asgi import application

SITE = b"testserver"


def run_async(test):
    """Runs an async test body in its own event loop (no pytest-asyncio needed)."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return async_to_sync(test)(*args, **kwargs)

    return wrapper


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def events_socket(path="/ws/events/", origin: bytes | None = b"http://testserver", cookie: bytes | None = None):
    headers = [(b"host", SITE)]
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, path, headers=headers)
