"""The Channels Redis layer that Berth's processes use: channels_redis's RedisChannelLayer with
fewer Redis round trips per message, because a terminal keystroke crosses the layer twice.

- send is one Lua script doing the stock four steps (expire old messages, count against the
  capacity, add, set the key's expiry) atomically, instead of four sequential commands;
- receive for the process's own channels waits on the channel's buffer only: one reader task per
  loop keeps one blocking pop (BZMPOP, up to RECEIVE_BATCH messages) in Redis while anyone
  receives, and re-arms it only after the receives it woke have run. The stock layer takes a lock
  and an asyncio.wait of two tasks per message, and pops once more without blocking before it
  blocks again: a second round trip, made while the engine echoes the key just typed;
- a message marked URGENT (output that answers a keystroke, the keystroke itself) goes to a second
  key of its receiving process, which the pop reads first: it never waits behind the chunks other
  streams have queued for that process (a hundred floods keep up to WINDOW chunks each there), and
  may overtake its own stream's earlier messages (the web side puts chunks back in order by seq).
  What one stream may mark urgent is capped (UrgentLane): a session that marks everything urgent
  would otherwise have its flood read ahead of every other stream's keystrokes; past the cap its
  messages go the normal way (nothing is lost);
- a consumer may take, between two receives, the run of messages of one type already waiting for
  its channel (`take_buffered`): a stream's chunks that piled up go to the browser as one frame;
- receive pops without the stock backup copy (a ZADD before the message is handed over, an
  EVAL before each pop and a ZPOPMIN after). The copy only protects a message against its
  receiving task being cancelled between Redis's pop and the reply being read; here such a
  reply still reaches its channels' buffers (the line's orphan callback);
- sends and a process's receives travel on pipelined connections of their own
  (wire.redis_line), not through redis-py's pooled client, whose Python around each command cost
  a third of a keystroke's round trip.

Measured on the build machine (a message there and back between two processes, Redis on
loopback, the machine busy with other work): send p50 2.5 ms → 0.5 ms; there and back p50
6 to 11 ms → 1.3 to 2.7 ms (send only: ~3 ms). Capacity, expiry, groups and the message format are
unchanged, so stock layers and this one interoperate on the same Redis, but for the urgent lane:
a stock layer never reads it, so whatever receives a terminal's output must be this layer (the
worker tests' web side once was a stock one, and lost the echo of what it typed).
"""

from __future__ import annotations

import asyncio
import time
import uuid

import redis.asyncio as aioredis
from channels.exceptions import ChannelFull
from channels_redis.core import RedisChannelLayer
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from wire.names import PORTAL_CHANNEL_OWNER
from wire.redis_line import RedisLine

__all__ = ["LAYER_PREFIX", "URGENT", "BerthChannelLayer", "UrgentLane", "channel_layer_config"]

# Every key of the layer starts with this (channels `<prefix><channel>`, groups `<prefix>:group:<group>`).
LAYER_PREFIX = "berth:asgi"

# The most messages for this process's own channels taken from Redis in one round trip.
RECEIVE_BATCH = 100
# A message field: true sends it to its process's urgent key, read before the other one. Only for
# process-local channels ("!"), whose one key per process is where floods queue.
URGENT = "urgent"
URGENT_SUFFIX = "urgent"
# What one stream may send in the urgent lane, each way: bytes a second, and at once. Typing (an
# echo per key, a screen redrawn by an editor: a few kilobytes) stays well within; a paste or a
# program's output that a script keeps "answering" with keystrokes does not. Each message counts
# URGENT_MESSAGE_COST bytes besides its data, so tiny ones are capped too (~256 a second).
URGENT_RATE = 64 * 1024
URGENT_BURST = 128 * 1024
URGENT_MESSAGE_COST = 256
# Redis connections one process opens at most; past them a caller waits (up to POOL_WAIT seconds)
# for one to come free, instead of failing: every open tab reconnecting at once after a restart
# (hundreds of handshakes) must queue, not answer HTTP 500 with MaxConnectionsError.
POOL_SIZE = 200
POOL_WAIT = 20
# A command that fails on a broken connection is sent once more, on a fresh one. After Redis
# restarts, every connection idle in the pool is dead, and the first command on each would fail
# (the first terminal after an outage answered HTTP 500). A second failure is Redis really away.
RETRY = Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))
# A reply on a line (wire.redis_line) not in this long after Redis was due to answer: the
# connection is broken (the same as the connections' socket timeout, below).
REPLY_TIMEOUT = 15

SEND = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[2])
if redis.call('ZCOUNT', KEYS[1], '-inf', '+inf') >= tonumber(ARGV[3]) then
    return 0
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


def channel_layer_config(redis_url: str) -> dict:
    """The Channels Redis layer's CONFIG, the same in the web process and the host workers (a host
    worker's BerthChannelLayer also gets its `owner`)."""
    return {
        # redis-py 8 reads with a 5 s socket timeout by default, the same as the layer's
        # blocking receive: an idle websocket would die with "Timeout reading". Read longer.
        "hosts": [{"address": redis_url, "socket_timeout": 15, "socket_keepalive": True}],
        "prefix": LAYER_PREFIX,
        "capacity": 1000,
        # Every channel a process creates with new_channel() (consumers, stream sessions) shares
        # one Redis key and so one capacity: it must hold the stream bridge's window of chunks
        # (wire.streams.WINDOW) for every stream one process serves at once.
        "channel_capacity": {"specific.*": 20000},
        "expiry": 30,
    }


def _pairs(flat: list) -> list[tuple[bytes, float]]:
    """A raw ZPOPMIN reply, [member, score, member, score…], as (member, score) pairs."""
    return [(flat[i], float(flat[i + 1])) for i in range(0, len(flat), 2)]


def _nested_pairs(pairs: list) -> list[tuple[bytes, float]]:
    """BZMPOP's members, [[member, score], …], as (member, score) pairs."""
    return [(member, float(score)) for member, score in pairs]


class _Failed:
    """Put in a waiting receive's buffer when the reader failed: the receive raises `error`."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


class UrgentLane:
    """One stream's share of the urgent lane, one way: a token bucket of URGENT_RATE bytes a second
    holding up to URGENT_BURST. Once a message is refused, the stream stays in the normal lane
    until its bucket is full again (seconds at least): while it has messages in the normal key, an
    urgent one could be read ahead of them, and input (which carries no sequence number to put it
    back in order by, as output does) would reach the process out of order."""

    __slots__ = ("_clock", "_level", "_refused", "_updated", "burst", "rate")

    def __init__(self, rate: float = URGENT_RATE, burst: float = URGENT_BURST, clock=time.monotonic):
        self.rate, self.burst, self._clock = rate, burst, clock
        self._level, self._updated, self._refused = burst, clock(), False

    def admit(self, data: object = None) -> bool:
        """Whether a message carrying `data` (bytes or text are counted) may go in the urgent lane."""
        now = self._clock()
        self._level = min(self.burst, self._level + (now - self._updated) * self.rate)
        self._updated = now
        if self._refused and self._level < self.burst:
            return False
        cost = URGENT_MESSAGE_COST + (len(data) if isinstance(data, (bytes, str)) else 0)
        self._refused = cost > self._level
        if self._refused:
            return False
        self._level -= cost
        return True


class BerthChannelLayer(RedisChannelLayer):
    """The layer of every Berth process (settings.CHANNEL_LAYERS in the portal, StreamLoop in a worker).

    Its process-local channels are `specific.<owner>.<random>!…`: a host's Redis user may read
    only its own (`host-<slug>.`), and write only to its own and the portal's."""

    def __init__(self, *args, owner: str = PORTAL_CHANNEL_OWNER, **kwargs):
        super().__init__(*args, **kwargs)
        # channels_redis's client (one per loop and shard) by id, and the lines made with it.
        self._lines: dict[int, tuple[aioredis.Redis, dict[str, RedisLine]]] = {}
        # The reader of this process's own keys (receive), by the same client id.
        self._readers: dict[int, asyncio.Task] = {}
        self._bzmpop = True  # until Redis says it does not know BZMPOP (before 7.0)
        # 16 hex digits of randomness here, and 32 more in each channel's own part (after "!").
        self.client_prefix = f"{owner}.{uuid.uuid4().hex[:16]}"

    def create_pool(self, index):
        host = dict(self.hosts[index])
        return aioredis.BlockingConnectionPool.from_url(
            host.pop("address"), max_connections=POOL_SIZE, timeout=POOL_WAIT, retry=RETRY, **host
        )

    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        assert self.require_valid_channel_name(channel), "Channel name not valid"
        assert "__asgi_channel__" not in message
        channel_non_local_name = channel
        if "!" in channel:
            message = dict(message.items())
            message["__asgi_channel__"] = channel
            channel_non_local_name = self.non_local_name(channel)
            index = self.consistent_hash(channel)
            if message.get(URGENT):
                channel_non_local_name += URGENT_SUFFIX
        else:
            index = next(self._send_index_generator)
        now = time.time()
        added = await self.line(index, "send").call(
            "EVAL",
            SEND,
            1,
            self.prefix + channel_non_local_name,
            now,
            int(now) - int(self.expiry),
            self.get_capacity(channel),
            int(self.expiry),
            self.serialize(message),
        )
        if not added:
            raise ChannelFull()

    async def receive(self, channel):
        """A process-local channel's next message. One reader task per loop (`_read_own`) keeps a
        blocking pop on the process's keys in Redis while anyone receives, and hands what it pops
        to the channels' buffers; a receive waits on its own buffer only. (The stock layer makes
        each receive take a lock, or wait for it, with two tasks and an asyncio.wait per message,
        and after each message pops once more without blocking before it blocks again: a second
        round trip to Redis, made while the engine echoes the key just typed.)"""
        if "!" not in channel:
            return await super().receive(channel)
        assert self.require_valid_channel_name(channel)
        own = self.non_local_name(channel)
        assert own.endswith(self.client_prefix + "!"), "Wrong client prefix"
        loop = asyncio.get_running_loop()
        if self.receive_count and self.receive_event_loop is not loop:
            raise RuntimeError("Two event loops are trying to receive() on one channel layer at once!")
        self.receive_event_loop = loop
        buffer = self.receive_buffer[channel]
        self.receive_count += 1
        try:
            if buffer.empty():
                self._read_own_soon(own)
            message = await buffer.get()
        finally:
            self.receive_count -= 1
            # Kept while another receive of the same channel waits on it (the reader adds to it).
            if buffer.empty() and not buffer._getters and self.receive_buffer.get(channel) is buffer:
                del self.receive_buffer[channel]
        if isinstance(message, _Failed):
            raise message.error
        return message

    def _read_own_soon(self, own: str) -> None:
        index = self.consistent_hash(own)
        client = self.connection(index)
        reader = self._readers.get(id(client))
        if reader is None or reader.done():
            reader = asyncio.get_running_loop().create_task(self._read_own(index, own), name="berth layer reader")
            self._readers[id(client)] = reader

    async def _read_own(self, index: int, own: str) -> None:
        """While anyone receives on this loop: what waits for this process's channels, up to
        RECEIVE_BATCH at a time, to their buffers. A failure (Redis gone) is raised in every
        receive waiting; the next receive starts a reader again."""
        line = self.line(index, "receive")
        try:
            while self.receive_count:
                popped = await self._pop_own(line, own)
                for target, message in self._received(popped, own):
                    self._buffer(target, message)
                if popped:
                    # The receives just woken go first (a keystroke to the engine, an echo to the
                    # browser); the next pop's write to Redis, a syscall, waits for them.
                    await asyncio.sleep(0)
        except Exception as exc:
            for buffer in self.receive_buffer.values():
                if buffer._getters:
                    buffer.put_nowait(_Failed(exc))

    async def _pop_own(self, line: RedisLine, own: str) -> list[tuple[bytes, float]]:
        """Up to RECEIVE_BATCH messages of the first of the process's two keys (urgent first)
        that holds some, in the order they were sent, waiting up to brpop_timeout for one (then
        none): one command (BZMPOP, Redis 7). Before Redis 7, a pop of both keys and, when they
        were empty, a blocking pop of one message."""
        key = self.prefix + own
        urgent_key = key + URGENT_SUFFIX

        def orphan_pop(reply: list) -> None:  # ZPOPMIN's reply, for a reader that stopped waiting
            self._buffer_popped(_pairs(reply), own)

        def orphan_block(reply: list | None) -> None:  # BZPOPMIN's: [key, member, score] or nil
            if reply:
                orphan_pop(reply[1:])

        def orphan_many(reply: list | None) -> None:  # BZMPOP's: [key, [[member, score], …]] or nil
            if reply:
                self._buffer_popped(_nested_pairs(reply[1]), own)

        timeout = self.brpop_timeout
        if self._bzmpop:
            try:
                reply = await line.call(
                    "BZMPOP",
                    timeout,
                    2,
                    urgent_key,
                    key,
                    "MIN",
                    "COUNT",
                    RECEIVE_BATCH,
                    orphan=orphan_many,
                    blocks=timeout,
                )
                return _nested_pairs(reply[1]) if reply else []
            except ResponseError as exc:
                if "unknown command" not in str(exc).lower():
                    raise
                self._bzmpop = False
        urgent, normal = await line.calls(
            [("ZPOPMIN", urgent_key, RECEIVE_BATCH), ("ZPOPMIN", key, RECEIVE_BATCH)], [orphan_pop] * 2
        )
        popped = _pairs(urgent) + _pairs(normal)
        if urgent and normal:
            popped.sort(key=lambda item: item[1])
        if popped:
            return popped
        reply = await line.call("BZPOPMIN", urgent_key, key, timeout, orphan=orphan_block, blocks=timeout)
        return _pairs(reply[1:]) if reply is not None else []

    def _received(self, popped: list[tuple[bytes, float]], channel: str) -> list[tuple[str | list, dict]]:
        """The popped messages and their channels, in the order they were sent, the channels
        that got an urgent message first (their consumers run before the hundred others woken by
        the same batch, each channel's own messages still in order)."""
        received = []
        hurried = set()
        for member, _ in popped:
            message = self.deserialize(member)
            target = message.pop("__asgi_channel__", channel)
            received.append((target, message))
            if message.get(URGENT) and isinstance(target, str):
                hurried.add(target)
        if hurried and len(hurried) < len(received):
            received.sort(key=lambda item: not (isinstance(item[0], str) and item[0] in hurried))
        return received

    def _buffer(self, target: str | list, message: dict) -> None:
        # A group_send names every local channel it reaches on this key in one message: a list.
        for name in target if isinstance(target, list) else (target,):
            self.receive_buffer[name].put_nowait(message)

    def _buffer_popped(self, popped: list[tuple[bytes, float]], channel: str) -> None:
        """Messages popped for a receiver that stopped waiting (cancelled): to their channels all the same."""
        for target, message in self._received(popped, channel):
            self._buffer(target, message)

    def line(self, index: int, purpose: str) -> RedisLine:
        """This loop's pipelined connection to shard `index` for `purpose` ("send", "receive"):
        made with, and closed with, channels_redis's client for that loop and shard."""
        client = self.connection(index)
        lines = self._lines.setdefault(id(client), (client, {}))[1]
        line = lines.get(purpose)
        if line is None or line.closed:
            line = lines[purpose] = RedisLine(client.connection_pool, REPLY_TIMEOUT)
        return line

    async def close_pools(self):
        loop = asyncio.get_running_loop()
        lines, self._lines = self._lines, {}
        readers, self._readers = self._readers, {}
        for reader in readers.values():
            if reader.get_loop() is loop:
                reader.cancel()
        for _, by_purpose in lines.values():
            for line in by_purpose.values():
                if line.loop is loop:
                    line.close()
        await super().close_pools()

    def take_buffered(self, channel: str, message_type: str, most: int = RECEIVE_BATCH) -> list[dict]:
        """The messages of `message_type` at the head of `channel`'s buffer (already received from
        Redis for it, not yet handed to its consumer), in order, up to `most`; the first message of
        another type, and everything after it, stays. For a consumer that handles a run of them
        at once (a stream's chunks: one websocket frame for several). Only between two receives of
        the channel's own consumer, which is then the only reader of its buffer."""
        buffer = self.receive_buffer.get(channel)
        taken = []
        # asyncio.Queue keeps its items in a deque: looking at the head does not take it.
        while buffer is not None and len(taken) < most and not buffer.empty():
            head = buffer._queue[0]
            if not isinstance(head, dict) or head.get("type") != message_type:
                break
            taken.append(buffer.get_nowait())
        return taken

    async def _brpop_with_clean(self, index, channel, timeout):
        result = await self.connection(index).bzpopmin(channel, timeout=timeout)
        return None if result is None else result[1]

    async def _clean_receive_backup(self, index, channel):
        return None
