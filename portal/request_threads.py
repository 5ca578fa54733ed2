"""Django's ASGI handler, with each request's sync work on one of a few long-lived threads.

Django's own handler gives every request a thread of its own (a fresh `ThreadSensitiveContext`),
which ends with the request: each request then also opened a database connection of its own
(connections belong to a thread), so CONN_MAX_AGE could never keep one, and a thread was started
and joined per request. Here a request borrows a thread for its whole life — its middleware,
view and response all run on it, one request at a time per thread, as under Django's handler —
and gives it back after; the thread keeps its connection for the next request, closed by Django
as usual (CONN_MAX_AGE, health checks) at the start and end of each one.

The middleware chain and the view run as Django runs them under WSGI, in one call on that
thread.

BERTH_WEB_THREADS threads are kept per process (each with its database connection); a request
that finds them all lent waits its turn in the event loop, in order, for up to a second, then runs
on a thread of its own that ends after it (RequestThreads). Websockets are not served here
(Channels' consumers).
"""

from __future__ import annotations

import asyncio
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler

__all__ = ["PooledThreadsASGIHandler", "RequestThreads", "get_asgi_application"]


class RequestThreads:
    """Single-thread executors lent to requests, made as needed up to `most`.

    A request that finds them all lent waits its turn, in order, for at most `patience` seconds;
    past that it gets a thread of its own, ended when it is given back (while the pool is over
    `most`). A few requests that hold their thread long — a slow client reading a download — so
    never stop every other request: past the wait, it is Django's thread-per-request again.

    Used from one event loop (the server's), so it needs no lock."""

    def __init__(self, most: int, patience: float = 1.0):
        if most < 1:
            raise ValueError("A web process needs at least one request thread.")
        self.most = most
        self.patience = patience
        self.made = 0
        self._idle: list[ThreadPoolExecutor] = []
        self._waiting: deque[asyncio.Future] = deque()

    def _new(self) -> ThreadPoolExecutor:
        self.made += 1
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="berth-request")

    async def take(self) -> ThreadPoolExecutor:
        if self._idle:
            return self._idle.pop()  # the most recently used: its connection is the freshest
        if self.made < self.most:
            return self._new()
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            return await asyncio.wait_for(asyncio.shield(turn), self.patience)
        except TimeoutError:
            if turn.done():
                return turn.result()  # handed one as the wait ran out
            turn.cancel()  # give_back passes over it
            return self._new()
        except asyncio.CancelledError:
            # Handed a thread just as the request was cancelled: pass it on, or it is lost.
            if turn.done() and not turn.cancelled():
                self.give_back(turn.result())
            else:
                turn.cancel()
            raise

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(executor)
                return
        if self.made > self.most:
            self.made -= 1
            executor.shutdown(wait=False)  # its thread ends; its connection with it
            return
        self._idle.append(executor)


class PooledThreadsASGIHandler(ASGIHandler):
    """Django's ASGIHandler, but for the thread a request's sync work runs on, and that the
    middleware chain and the view run in one call on it. (Django's async chain called back into
    the event loop around the view: two more hops between threads per request, each a wake-up of
    the loop, ~2 ms of a list request under load. Every middleware and view of Berth's is sync:
    an async view would still run, adapted by Django.)"""

    def __init__(self, threads: RequestThreads):
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.threads = threads

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = await self.threads.take()
        try:
            # The executor's owner is this pool: the context leaves it running when it exits.
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(executor)


def get_asgi_application() -> PooledThreadsASGIHandler:
    """As django.core.asgi.get_asgi_application, with BERTH_WEB_THREADS request threads."""
    django.setup(set_prefix=False)
    from django.conf import settings

    return PooledThreadsASGIHandler(RequestThreads(settings.BERTH_WEB_THREADS))
