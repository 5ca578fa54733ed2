"""Stream messages from a host carry a MAC made with a key only that host and the web side know,
so that no other client of Redis can put bytes into a stream (terminal output, logs, stats, a
container's changes, a watcher's screen, an image export).

The key is the stream's own: the web side draws 32 random bytes when it opens a stream (or
reattaches to one, or starts watching one, or asks for an export), seals them to the host's
X25519 key (wire.sealing, the key the host got at enrollment) and sends them in the request as
`key`. Only the holder of that host's private key can open them, so a message whose MAC checks
was sent by that host, for this stream: another host that learned a portal channel's name has no
key to sign with, and cannot read the request that carried it (its Redis user may not read another
host's stream channel, and the key is sealed anyway).

Why a per-stream HMAC rather than an Ed25519 signature per message (as reports are signed): a
terminal under a flood sends thousands of messages a second, and an Ed25519 signature costs ~50 µs
to make and more to check, on the two sides of every chunk; HMAC-SHA256 costs ~1 µs for a keystroke
and the hash of the bytes for a chunk. The sealing (one X25519 agreement) is paid once per stream.
Its trust is the same as a signature's for Berth's threat model: the key is the host's and the
portal's alone, the portal being trusted anyway, and it lives only as long as the stream.

What is MACed is the message's msgpack (the channel layer's own encoding, which both sides produce
the same way for the same message) after a fixed context, `mac` left out.

An operation's progress (wire.progress) is MACed the same way, with a key the portal need not keep:
`derived_key` draws it from the portal's secret and what it is for (the operation and its host),
HKDF-SHA256 from `cryptography`; it reaches the host sealed in the operation's signed task.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

import msgpack
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wire.keys import HostKeys
from wire.sealing import CannotUnseal, seal, unseal

__all__ = [
    "KEY_FIELD",
    "MAC_FIELD",
    "StreamKey",
    "derived_key",
    "new_stream_key",
    "open_stream_key",
]

# The request field that carries the sealed key, and the message field that carries the MAC.
KEY_FIELD = "key"
MAC_FIELD = "mac"
_CONTEXT = b"berth-stream-mac-1\0"


def _mac(key: bytes, message: dict[str, Any]) -> bytes:
    return hmac.digest(key, _CONTEXT + msgpack.packb(message), "sha256")


class StreamKey:
    """One stream's key: `sign` on the host, `verify` on the web side."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ValueError("A stream key is 32 bytes.")
        self._key = key

    def sign(self, message: dict[str, Any]) -> dict[str, Any]:
        """The message with its MAC (a new dict; `message` is left as it is)."""
        return {**message, MAC_FIELD: _mac(self._key, message)}

    def digest(self, *parts: bytes) -> bytes:
        """The MAC of bytes (a transfer's frame: wire.transfers)."""
        mac = hmac.new(self._key, _CONTEXT, "sha256")
        for part in parts:
            mac.update(part)
        return mac.digest()

    def verify(self, message: dict[str, Any]) -> dict[str, Any] | None:
        """The message without its MAC when it was signed with this key; else None."""
        mac = message.get(MAC_FIELD)
        if not isinstance(mac, bytes):
            return None
        message = {k: v for k, v in message.items() if k != MAC_FIELD}
        return message if hmac.compare_digest(mac, _mac(self._key, message)) else None

    def sealed_to(self, host_seal_key: str) -> str:
        """The key as text only the host whose sealing key this is can open (the request's `key`)."""
        return seal(host_seal_key, {"stream_key": self._key.hex()})

    def __repr__(self) -> str:  # never the key itself, in a log or a traceback
        return "StreamKey(…)"


def new_stream_key() -> StreamKey:
    return StreamKey(os.urandom(32))


def derived_key(secret: bytes, purpose: str, *parts: object) -> StreamKey:
    """The key for `purpose` and `parts` (an operation's id and its host's…) drawn from `secret`:
    the same every time it is asked for, and telling nothing of `secret` or of any other key."""
    info = b"berth-derived-key-1\0" + b"".join(
        len(field).to_bytes(2, "big") + field for field in (purpose.encode(), *(str(p).encode() for p in parts))
    )
    return StreamKey(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret))


def open_stream_key(keys: HostKeys | None, request: dict[str, Any]) -> StreamKey | None:
    """The key a request sealed to this host (its KEY_FIELD), or None when there is none that
    this host can open: the host then answers nothing, since the web side would refuse it."""
    sealed = request.get(KEY_FIELD) if isinstance(request, dict) else None
    if keys is None or not isinstance(sealed, str):
        return None
    try:
        return StreamKey(bytes.fromhex(str(unseal(keys, sealed).get("stream_key", ""))))
    except (CannotUnseal, ValueError, AttributeError):
        return None
