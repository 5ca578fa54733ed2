"""The Channels Redis layer that Berth's processes use: channels_redis's RedisChannelLayer with
one round trip per send, because terminal keystrokes cross the layer twice per echo.

The stock send is four sequential commands (expire old messages, count, add, set the expiry);
here they are one Lua script, with the same capacity and expiry rules, atomically. Measured on
the build machine (a message there and back between two processes, Redis on loopback, the
machine busy): send p50 2.5 ms → 0.5 ms, there-and-back p50 6 ms → 3 ms.

Receiving is the stock one. Popping without its backup copy would save about 1.5 ms more
there and back, but then a cancelled receive (every socket that closes) could hang in the
Redis client: not worth it. The message format is unchanged, so stock layers interoperate.
"""

from __future__ import annotations

import time

from channels.exceptions import ChannelFull
from channels_redis.core import RedisChannelLayer

__all__ = ["BerthChannelLayer"]

SEND = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[2])
if redis.call('ZCOUNT', KEYS[1], '-inf', '+inf') >= tonumber(ARGV[3]) then
    return 0
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


class BerthChannelLayer(RedisChannelLayer):
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
        else:
            index = next(self._send_index_generator)
        connection = self.connection(index)
        now = time.time()
        added = await connection.eval(
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
