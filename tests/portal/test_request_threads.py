"""The web process's request threads (portal/request_threads.py): a request borrows one of at most
BERTH_WEB_THREADS long-lived threads for its whole life and gives it back; more requests than
threads wait their turn, in order; a request cancelled while waiting loses no thread; the pages
answer through it as through Django's own handler."""

import asyncio
import threading

import pytest
from channels.testing import HttpCommunicator

from portal.request_threads import PooledThreadsASGIHandler, RequestThreads


def test_threads_are_made_up_to_the_most_then_requests_wait_their_turn_in_order():
    async def scenario():
        pool = RequestThreads(2)
        first, second = await pool.take(), await pool.take()
        waiters = [asyncio.ensure_future(pool.take()) for _ in range(2)]
        await asyncio.sleep(0)
        assert pool.made == 2 and not any(w.done() for w in waiters)

        pool.give_back(second)
        pool.give_back(first)
        assert [await w for w in waiters] == [second, first]  # the first to wait is served first

    asyncio.run(scenario())


def test_a_request_cancelled_while_waiting_loses_no_thread():
    async def scenario():
        pool = RequestThreads(1)
        only = await pool.take()
        cancelled, next_one = asyncio.ensure_future(pool.take()), asyncio.ensure_future(pool.take())
        await asyncio.sleep(0)
        cancelled.cancel()
        pool.give_back(only)
        assert await next_one is only

    asyncio.run(scenario())


def test_a_request_that_waited_its_patience_gets_a_thread_of_its_own_which_ends_after():
    # Threads held long (slow clients reading downloads) never stop every other request.
    async def scenario():
        pool = RequestThreads(1, patience=0.05)
        held = await pool.take()
        extra = await asyncio.wait_for(pool.take(), 2)
        assert extra is not held and pool.made == 2

        pool.give_back(extra)
        assert pool.made == 1 and extra._shutdown
        pool.give_back(held)
        assert await pool.take() is held  # the pool keeps its own

    asyncio.run(scenario())


def test_a_process_needs_a_thread():
    with pytest.raises(ValueError, match="at least one"):
        RequestThreads(0)


def test_pages_answer_through_it_on_its_threads_and_the_threads_are_reused(settings):
    settings.ALLOWED_HOSTS = ["*"]
    handler = PooledThreadsASGIHandler(RequestThreads(2))
    seen = set()
    middleware = handler._middleware_chain

    def chain(request):
        seen.add(threading.current_thread().name)
        return middleware(request)

    handler._middleware_chain = chain

    async def scenario():
        answers = await asyncio.gather(
            *(HttpCommunicator(handler, "GET", "/login/").get_response(timeout=20) for _ in range(12))
        )
        return [answer["status"] for answer in answers]

    assert asyncio.run(scenario()) == [200] * 12
    assert handler.threads.made <= 2
    assert len(seen) <= 2 and all(name.startswith("berth-request") for name in seen)
