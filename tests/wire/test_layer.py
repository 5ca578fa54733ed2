"""Berth's channel layer against a real Redis: one-round-trip sends that keep the stock layer's
capacity and expiry, and messages that the stock layer reads (and the other way round)."""

import asyncio

import pytest
import redis
from channels.exceptions import ChannelFull
from channels_redis.core import RedisChannelLayer

from tests.support.aio import run_async
from tests.workers.conftest import UNIT_REDIS_URL
from wire.layer import RECEIVE_BATCH, URGENT, BerthChannelLayer, channel_layer_config


def layers(run, **overrides):
    async def body():
        config = {**channel_layer_config(UNIT_REDIS_URL), "prefix": "berth:unit-layer", **overrides}
        ours, stock = BerthChannelLayer(**config), RedisChannelLayer(**config)
        try:
            return await asyncio.wait_for(run(ours, stock), 10)
        finally:
            await ours.flush()
            await ours.close_pools()
            await stock.close_pools()

    return run_async(body())


def test_given_both_layers_when_they_exchange_messages_then_each_reads_the_others_in_order():
    async def run(ours, stock):
        theirs, mine = await stock.new_channel(), await ours.new_channel()
        for n in range(3):
            await ours.send(theirs, {"type": "to.stock", "n": n, "data": b"\x00\xff"})
        await stock.send(mine, {"type": "to.berth", "n": 9})
        received = [await stock.receive(theirs) for _ in range(3)]
        return received, await ours.receive(mine)

    received, back = layers(run)

    assert [m["n"] for m in received] == [0, 1, 2] and received[0]["data"] == b"\x00\xff"
    assert back == {"type": "to.berth", "n": 9}


def test_given_a_full_channel_when_one_more_is_sent_then_channel_full_is_raised():
    async def run(ours, stock):
        for n in range(3):
            await ours.send("full-channel", {"type": "x", "n": n})
        with pytest.raises(ChannelFull):
            await ours.send("full-channel", {"type": "x", "n": 3})
        return await ours.receive("full-channel")

    assert layers(run, capacity=3)["n"] == 0


def test_given_a_group_when_sent_to_then_members_on_this_layer_receive():
    async def run(ours, stock):
        channel = await ours.new_channel()
        await stock.group_add("unit-group", channel)
        await ours.group_send("unit-group", {"type": "hello"})
        return await ours.receive(channel)

    assert layers(run) == {"type": "hello"}


def test_given_messages_waiting_for_several_local_channels_when_received_then_each_gets_its_own_in_order():
    async def run(ours, stock):
        first, second = await ours.new_channel(), await ours.new_channel()
        for n in range(5):
            await stock.send(first, {"type": "x", "n": n})
            await stock.send(second, {"type": "y", "n": n})
        return [(await ours.receive(first))["n"] for _ in range(5)], [
            (await ours.receive(second))["n"] for _ in range(5)
        ]

    assert layers(run) == ([0, 1, 2, 3, 4], [0, 1, 2, 3, 4])


def test_given_a_group_of_local_channels_and_other_messages_waiting_when_received_then_every_member_gets_each():
    """group_send puts one message on the process's key naming all its local members (a list in
    __asgi_channel__); read in a batch behind other messages it must reach every member."""

    async def run(ours, stock):
        members = [await ours.new_channel() for _ in range(20)]
        for channel in members:
            await ours.group_add("unit-fanout", channel)
        for n in range(3):
            await ours.group_send("unit-fanout", {"type": "event", "n": n})
        await stock.send(members[0], {"type": "direct"})
        got = {channel: [(await ours.receive(channel))["n"] for _ in range(3)] for channel in members}
        return got, await ours.receive(members[0])

    got, last = layers(run)

    assert all(numbers == [0, 1, 2] for numbers in got.values())
    assert last == {"type": "direct"}


def test_given_more_callers_than_connections_when_they_send_at_once_then_they_wait_for_one_instead_of_failing():
    """300 handshakes at once (every tab reconnecting after a restart) once got MaxConnectionsError
    from redis-py's pool of 100: callers past the pool now wait for a connection."""

    async def run(ours, stock):
        channels = [await ours.new_channel() for _ in range(300)]
        await asyncio.gather(*(ours.group_add("unit-crowd", channel) for channel in channels))
        await asyncio.gather(*(ours.group_discard("unit-crowd", channel) for channel in channels))
        return len(channels)

    assert layers(run) == 300


def test_given_a_pooled_connection_that_redis_dropped_when_used_again_then_the_command_goes_through_on_a_new_one():
    """After Redis restarts, every connection idle in the pool is dead: the first terminal after an
    outage answered HTTP 500 ("Connection closed by server") until the layer retried once."""

    async def run(ours, stock):
        channel = await ours.new_channel()
        connection = ours.connection(0)
        dropped = await connection.client_id()  # the pool's one connection, idle again after this
        redis.Redis.from_url(UNIT_REDIS_URL).client_kill_filter(_id=dropped)
        await ours.send(channel, {"type": "after.restart"})
        return await ours.receive(channel), await connection.client_id() != dropped

    assert layers(run) == ({"type": "after.restart"}, True)


def test_given_flood_chunks_waiting_when_an_urgent_message_comes_then_it_is_received_first():
    """An echo never waits behind the chunks other streams queued for the same process."""

    async def run(ours, stock):
        flood, typed = await ours.new_channel(), await ours.new_channel()
        for seq in range(1, 301):
            await ours.send(flood, {"type": "stream.data", "seq": seq})
        await ours.send(typed, {"type": "stream.data", "seq": 1, URGENT: True})
        first = await ours.receive(typed)
        # Taken in the first round trip: at most one batch of the flood was read (and buffered) with it.
        buffered = ours.receive_buffer[flood].qsize()
        seqs = [(await ours.receive(flood))["seq"] for _ in range(300)]
        return first, buffered, seqs

    first, buffered, seqs = layers(run)

    assert first == {"type": "stream.data", "seq": 1, URGENT: True}
    assert buffered <= RECEIVE_BATCH
    assert seqs == list(range(1, 301))  # none lost, in order


def test_given_a_stream_in_both_keys_when_received_then_the_urgent_message_overtakes_and_the_rest_keep_order():
    """What answers a keystroke goes first; the web side puts a stream's chunks back in order by
    their seq (tests/portal/ws/test_streams.py), and a stream's input keeps to one lane (UrgentLane)."""

    async def run(ours, stock):
        channel = await ours.new_channel()
        await ours.send(channel, {"seq": 1})
        await ours.send(channel, {"seq": 2, URGENT: True})
        await ours.send(channel, {"seq": 3})
        await ours.send(channel, {"seq": 4})
        return [(await ours.receive(channel))["seq"] for _ in range(4)]

    assert layers(run) == [2, 1, 3, 4]


def test_given_chunks_waiting_for_a_channel_when_taken_between_receives_then_the_run_of_one_type_comes_in_order():
    """A consumer takes the chunks already received for its channel at once (one websocket frame
    for them); what is not a chunk stops the run and stays, for the consumer's next receive."""

    async def run(ours, stock):
        channel, other = await ours.new_channel(), await ours.new_channel()
        for seq in (1, 2, 3):
            await ours.send(channel, {"type": "stream.data", "seq": seq})
        await ours.send(other, {"type": "stream.data", "seq": 1})
        await ours.send(channel, {"type": "stream.end"})
        await ours.send(channel, {"type": "stream.data", "seq": 4})
        first = await ours.receive(channel)
        run_of_chunks = ours.take_buffered(channel, "stream.data")
        nothing_more = ours.take_buffered(channel, "stream.data")
        after = await ours.receive(channel)
        last = ours.take_buffered(channel, "stream.data")
        never_received = ours.take_buffered("specific.nobody!x", "stream.data")
        return first, run_of_chunks, nothing_more, after, last, await ours.receive(other), never_received

    first, run_of_chunks, nothing_more, after, last, others, never_received = layers(run)

    assert first["seq"] == 1
    assert [m["seq"] for m in run_of_chunks] == [2, 3]
    assert nothing_more == [] and after == {"type": "stream.end"}
    assert last == [{"type": "stream.data", "seq": 4}]
    assert others == {"type": "stream.data", "seq": 1}  # another channel's stays its own
    assert never_received == []


def test_given_an_echo_sent_after_flood_chunks_when_received_then_its_channel_is_woken_first_and_others_keep_order():
    """The consumer of the typed session runs before the floods' consumers, whose chunks were
    waiting first; every channel's own messages keep their order."""

    async def run(ours, stock):
        floods = [await ours.new_channel() for _ in range(3)]
        typed = await ours.new_channel()
        for seq in (1, 2):
            for flood in floods:
                await ours.send(flood, {"type": "stream.data", "seq": seq})
        await ours.send(typed, {"type": "stream.data", "seq": 1, URGENT: True})
        woken = []

        async def consume(channel, count):
            for _ in range(count):
                woken.append((channel, (await ours.receive(channel))["seq"]))

        await asyncio.gather(*(consume(flood, 2) for flood in floods), consume(typed, 1))
        return floods, typed, woken

    floods, typed, woken = layers(run)

    assert woken[0] == (typed, 1), woken
    for flood in floods:
        assert [seq for name, seq in woken if name == flood] == [1, 2]


def test_given_a_receiver_cancelled_while_waiting_when_another_channel_gets_a_message_then_it_arrives_at_once():
    """A terminal session ends (its receive cancelled mid-pop) and the next one opens: its first
    keystrokes waited out the old pop's 5 s timeout before the layer ended cancelled pops."""

    async def run(ours, stock):
        gone, next_one = await ours.new_channel(), await ours.new_channel()
        waiting = asyncio.ensure_future(ours.receive(gone))
        await asyncio.sleep(0.3)
        waiting.cancel()
        receiving = asyncio.ensure_future(ours.receive(next_one))
        await asyncio.sleep(0.3)
        started = asyncio.get_running_loop().time()
        await stock.send(next_one, {"type": "keystroke"})
        message = await asyncio.wait_for(receiving, 4)
        return message, asyncio.get_running_loop().time() - started

    message, took = layers(run)

    assert message == {"type": "keystroke"} and took < 0.5


def test_given_no_redis_when_a_receive_waits_then_it_fails_with_a_connection_error_in_bounded_time():
    async def body():
        layer = BerthChannelLayer(**{**channel_layer_config("redis://127.0.0.1:9/0"), "prefix": "berth:unit-layer"})
        channel = await layer.new_channel()
        started = asyncio.get_running_loop().time()
        try:
            await asyncio.wait_for(layer.receive(channel), 10)
        except redis.ConnectionError as exc:
            return type(exc), asyncio.get_running_loop().time() - started
        finally:
            await layer.close_pools()

    error, took = run_async(body())

    assert error is redis.ConnectionError and took < 5


def test_given_a_redis_before_7_without_bzmpop_when_received_then_both_keys_are_read_in_the_order_sent(monkeypatch):
    """Redis 6 answers BZMPOP with "unknown command": the layer pops both keys, then blocks on one."""
    from wire.redis_line import RedisLine

    calls = RedisLine.calls
    refused = []

    async def without_bzmpop(self, commands, orphans=(), blocks=0.0):
        if commands[0][0] == "BZMPOP":
            refused.append(commands[0][0])
            raise redis.ResponseError("unknown command 'BZMPOP', with args beginning with: ")
        return await calls(self, commands, orphans, blocks)

    monkeypatch.setattr(RedisLine, "calls", without_bzmpop)

    async def run(ours, stock):
        channel, later = await ours.new_channel(), await ours.new_channel()
        for seq in (1, 2, 3):
            await ours.send(channel, {"seq": seq, URGENT: seq == 2})
        first = [(await ours.receive(channel))["seq"] for _ in range(3)]
        waiting = asyncio.ensure_future(ours.receive(later))
        await asyncio.sleep(0.2)
        await stock.send(later, {"seq": 9})
        return first, (await asyncio.wait_for(waiting, 4))["seq"]

    assert layers(run) == ([1, 2, 3], 9)
    assert refused == ["BZMPOP"]  # asked once, then never again
