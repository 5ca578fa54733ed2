"""A scripted host worker's keys, for tests that play the host's side of a stream: test hosts are
made with this sealing key (tests.portal.factories), so a scripted worker opens the stream key the
web side sealed in its request, and signs what it answers with it (wire.stream_signing)."""

from wire.keys import HostKeys
from wire.layer import BerthChannelLayer, channel_layer_config
from wire.stream_resume import REATTACH
from wire.stream_signing import KEY_FIELD, StreamKey, new_stream_key, open_stream_key
from wire.stream_watch import WATCH

__all__ = ["TEST_HOST_KEYS", "TEST_SEAL_KEY", "KeyedWebLayer", "reply", "signed", "stream_key", "web_layer"]

TEST_HOST_KEYS = HostKeys.generate()
TEST_SEAL_KEY = TEST_HOST_KEYS.public().seal
_opened: dict[str, StreamKey] = {}


def stream_key(request: dict) -> StreamKey:
    """The key the web side sealed in `request` (an open, reattach, watch or export request)."""
    sealed = request[KEY_FIELD]
    if sealed not in _opened:
        key = open_stream_key(TEST_HOST_KEYS, request)
        assert key is not None, "the request's key is not sealed to the test host"
        _opened[sealed] = key
    return _opened[sealed]


def signed(request: dict, message: dict) -> dict:
    return stream_key(request).sign(message)


async def reply(layer, request: dict, message: dict, to: str | None = None) -> None:
    """Sends `message` to the request's web side (or `to`), signed as its host would."""
    await layer.send(to or request["reply_to"], signed(request, message))


class KeyedWebLayer:
    """A channel layer as a web side uses it to talk to host workers started with TEST_HOST_KEYS:
    its open, reattach and watch requests carry a sealed stream key, and what it receives must
    be signed with that key (it is handed over without its MAC)."""

    def __init__(self, layer):
        self.layer = layer
        self.key = new_stream_key()
        self.sealed = self.key.sealed_to(TEST_SEAL_KEY)

    def __getattr__(self, name):
        return getattr(self.layer, name)

    async def send(self, channel: str, message: dict) -> None:
        kind = str(message.get("type", ""))
        if kind.endswith(".open") or kind in (REATTACH, WATCH):
            message = {**message, KEY_FIELD: self.sealed}
        await self.layer.send(channel, message)

    async def receive(self, channel: str) -> dict:
        message = await self.layer.receive(channel)
        verified = self.key.verify(message)
        assert verified is not None, f"a message not signed with the stream's key: {message}"
        return verified


def web_layer(redis_url: str, keyed: bool = True):
    """The channel layer as the web process has it (keyed: for host workers started with
    TEST_HOST_KEYS). Berth's, not channels_redis's stock one: a worker sends the output that answers
    a keystroke in the urgent lane (wire.layer), which the stock layer never reads."""
    layer = BerthChannelLayer(**channel_layer_config(redis_url))
    return KeyedWebLayer(layer) if keyed else layer
