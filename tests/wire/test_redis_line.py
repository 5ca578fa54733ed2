"""The channel layer's pipelined Redis connection against a real Redis: replies matched to their
callers under concurrency, a cancelled caller's reply handed on instead of lost, a blocking call
that stops being waited for not holding up the next, and broken connections replaced."""

import asyncio
import uuid

import pytest
import redis
from redis.asyncio.connection import ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from tests.support.aio import run_async
from tests.workers.conftest import UNIT_REDIS_URL
from wire.redis_line import RedisLine


def on_line(run, url: str = UNIT_REDIS_URL, reply_timeout: float = 15.0, **pool_options):
    async def body():
        pool = ConnectionPool.from_url(url, **pool_options)
        line = RedisLine(pool, reply_timeout)
        try:
            return await asyncio.wait_for(run(line), 20)
        finally:
            line.close()
            await pool.disconnect()

    return run_async(body())


def key(name: str) -> str:
    return f"berth:unit-line:{name}:{uuid.uuid4().hex[:8]}"


def test_given_a_thousand_concurrent_callers_when_their_replies_come_then_each_gets_its_own():
    async def run(line):
        payloads = [f"payload-{n}-".encode() * (n % 7 + 1) for n in range(1000)]
        return payloads, await asyncio.gather(*(line.call("ECHO", p) for p in payloads))

    payloads, replies = on_line(run)

    assert replies == payloads


def test_given_several_commands_in_one_call_when_written_then_their_replies_come_in_order():
    name = key("batch")

    async def run(line):
        return await line.calls([("RPUSH", name, "a", "b"), ("LRANGE", name, 0, -1), ("DEL", name)])

    assert on_line(run) == [2, [b"a", b"b"], 1]


def test_given_a_command_redis_refuses_when_called_then_it_raises_and_the_line_goes_on():
    async def run(line):
        with pytest.raises(ResponseError, match="unknown command"):
            await line.call("NO-SUCH-COMMAND")
        return await line.call("ECHO", "still here")

    assert on_line(run) == b"still here"


def test_given_a_client_that_prefers_resp3_when_popping_then_replies_have_resp2_shapes():
    """redis-py 8 speaks RESP3 by default: ZPOPMIN's pairs come nested there, and pushes may come
    between replies, which would break matching replies to commands in order."""
    name = key("zset")

    async def run(line):
        await line.call("ZADD", name, 1, "one", 2, "two")
        return await line.call("ZPOPMIN", name, 5)

    assert on_line(run, protocol=3) == [b"one", b"1", b"two", b"2"]


def test_given_a_caller_that_stops_waiting_when_its_reply_comes_then_it_goes_to_the_orphan_callback():
    """A receive cancelled while its pop is on the wire: the popped message is not lost."""
    name = key("orphan")

    async def run(line):
        await line.call("RPUSH", name, "popped")
        handed_on = asyncio.get_running_loop().create_future()
        waiting = asyncio.ensure_future(line.call("LPOP", name, orphan=handed_on.set_result))
        await asyncio.sleep(0)  # the command is written; its reply is not read before the next poll
        waiting.cancel()
        return await asyncio.wait_for(handed_on, 2), waiting.cancelled()

    assert on_line(run) == (b"popped", True)


def test_given_a_blocked_caller_that_stops_waiting_when_it_does_then_redis_ends_the_block_at_once():
    """Left blocked, the pop would hold every command queued behind it, and take for a receiver
    that is gone the message another one waits for, for up to its timeout (a terminal's first
    keystrokes waited 5 s after the session before it ended)."""
    name = key("unblocked")

    async def run(line):
        handed_on = asyncio.get_running_loop().create_future()
        waiting = asyncio.ensure_future(line.call("BLPOP", name, 5, orphan=handed_on.set_result, blocks=5))
        await asyncio.sleep(0.2)
        waiting.cancel()
        started = asyncio.get_running_loop().time()
        ended_as = await asyncio.wait_for(handed_on, 1)
        echoed = await asyncio.wait_for(line.call("ECHO", "next"), 1)
        took = asyncio.get_running_loop().time() - started
        redis.Redis.from_url(UNIT_REDIS_URL).rpush(name, "kept")
        return ended_as, echoed, took, await line.call("LPOP", name)

    ended_as, echoed, took, left = on_line(run)

    assert ended_as is None and echoed == b"next" and took < 0.5
    assert left == b"kept"  # nothing popped it for the cancelled caller


def test_given_its_connection_killed_when_called_again_then_it_goes_through_on_a_new_one():
    """After a Redis restart every idle connection is dead; the first command must not fail."""

    async def run(line):
        first = await line.call("CLIENT", "ID")
        redis.Redis.from_url(UNIT_REDIS_URL).client_kill_filter(_id=first)
        return first, await line.call("CLIENT", "ID")

    first, second = on_line(run)

    assert second != first


def test_given_a_blocked_call_when_its_connection_is_killed_then_it_is_sent_again_and_still_answered():
    name = key("killed-while-blocked")

    async def run(line):
        client = redis.Redis.from_url(UNIT_REDIS_URL)
        own_id = await line.call("CLIENT", "ID")
        waiting = asyncio.ensure_future(line.call("BLPOP", name, 5, blocks=5))
        await asyncio.sleep(0.2)
        client.client_kill_filter(_id=own_id)
        await asyncio.sleep(0.2)
        client.rpush(name, "after")
        return await asyncio.wait_for(waiting, 3)

    assert on_line(run) == [name.encode(), b"after"]


def test_given_no_redis_when_called_then_a_connection_error_says_so_at_once():
    async def run(line):
        started = asyncio.get_running_loop().time()
        with pytest.raises(RedisConnectionError, match="Connecting to Redis failed"):
            await line.call("PING")
        return asyncio.get_running_loop().time() - started

    assert on_line(run, url="redis://127.0.0.1:1/0", socket_connect_timeout=2) < 3


def test_given_a_server_that_never_answers_when_called_then_the_call_fails_after_the_reply_timeout():
    """A Redis that stopped answering (a frozen host, a half-open connection) must not hang the
    layer forever: the connection is taken as broken, and the command fails once tried again."""

    async def run(_):
        async def mute(reader, writer):
            await reader.read(-1)  # reads the commands, answers none

        server = await asyncio.start_server(mute, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        pool = ConnectionPool.from_url(f"redis://127.0.0.1:{port}/0")
        line = RedisLine(pool, reply_timeout=0.3)
        started = asyncio.get_running_loop().time()
        try:
            with pytest.raises(RedisConnectionError):
                await line.call("PING")
            return asyncio.get_running_loop().time() - started
        finally:
            line.close()
            server.close()

    took = on_line(run)

    assert 0.5 < took < 2  # two tries of 0.3 s


def test_given_calls_waiting_when_the_line_is_closed_then_they_fail_and_later_calls_are_refused():
    name = key("closed")

    async def run(line):
        waiting = asyncio.ensure_future(line.call("BLPOP", name, 5, blocks=5))
        await asyncio.sleep(0.2)
        line.close()
        with pytest.raises(RedisConnectionError):
            await asyncio.wait_for(waiting, 1)
        with pytest.raises(RedisConnectionError, match="closed"):
            await line.call("PING")
        return line.closed

    assert on_line(run) is True
