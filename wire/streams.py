"""The stream bridge's messages: what a web consumer and a host worker's stream session say to
each other over the Channels Redis layer. Plain names, shared by both sides (no Django here).

Opening. The web consumer, after its own checks (policy, host online, container running),
sends to the host's stream channel (`wire.names.host_stream_channel(slug)`) an OpenRequest:

    {"type": "<kind>.open", "session": <uuid hex>, "reply_to": <consumer channel_name>,
     "deadline": <epoch s>, "container": <engine id>, ...parameters of that kind}

Kinds: "terminal", "attach", "logs", "stats". The worker answers on `reply_to`:

    READY  {"channel": <the session's own channel>, ...facts of that kind}   or
    ERROR  {"message": <a sentence for the user>}                            (then nothing more)

Worker → web (on `reply_to`), after READY:
    DATA       {"seq": 1, 2, 3, …, "data": <any msgpack-able value: bytes, list of dicts, …>}
    END        {"code": <int or None>, "reason": <sentence>}   the stream is over
    ERROR      {"message": <sentence>}                          the stream failed and is over
    KEEPALIVE  {}                                               sent when nothing else was sent lately

Web → worker (on the session's channel from READY):
    ACK {"seq": n} (everything up to n was delivered), INPUT {"data": …}, RESIZE {"cols", "rows"},
    PAUSE, RESUME, CLOSE, KEEPALIVE.

Each message is a dataclass in wire.stream_messages (Ready, Data, End, Error, KeepAlive, Ack,
Input, Resize, Pause, Resume, Close), the type names below being theirs.

Flow control is a credit window: the worker never has more than WINDOW chunks un-acked, so
a consumer that falls behind makes the worker stop reading from the engine (which in turn
stops the process writing). The web side acks every ACK_EVERY chunks once they were handed
to the websocket. A gap in `seq` is an error the web side reports, never skipped silently.

Liveness: each side sends KEEPALIVE when it has sent nothing for KEEPALIVE_EVERY seconds,
and ends the session when it has heard nothing from its peer for PEER_TIMEOUT seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ACK",
    "ACK_EVERY",
    "CLOSE",
    "DATA",
    "END",
    "ERROR",
    "INPUT",
    "KEEPALIVE",
    "KEEPALIVE_EVERY",
    "MAX_CHUNK",
    "OPEN_TIMEOUT",
    "PAUSE",
    "PEER_TIMEOUT",
    "READY",
    "RESIZE",
    "RESUME",
    "WINDOW",
    "OpenRequest",
    "open_request",
    "open_type",
]

READY = "stream.ready"
DATA = "stream.data"
END = "stream.end"
ERROR = "stream.error"
INPUT = "stream.input"
ACK = "stream.ack"
RESIZE = "stream.resize"
PAUSE = "stream.pause"
RESUME = "stream.resume"
CLOSE = "stream.close"
KEEPALIVE = "stream.keepalive"

# Chunks in flight per session. The layer's capacity for "specific" channels (one Redis key
# per receiving process, see wire.layer.channel_layer_config) must hold WINDOW chunks
# for every session a web process serves at once.
WINDOW = 16
ACK_EVERY = 8
# The largest DATA payload a session sends (bytes, for byte streams).
MAX_CHUNK = 64 * 1024

# The most log lines a logs stream (or download) may ask the engine for at once (`tail`).
MAX_TAIL = 100_000
KEEPALIVE_EVERY = 5.0
PEER_TIMEOUT = 20.0
# How long the web side waits for READY before telling the user the host worker did not answer.
OPEN_TIMEOUT = 10.0


def open_type(kind: str) -> str:
    """The message type that asks a host worker to open a stream of this kind."""
    return f"{kind}.open"


@dataclass(frozen=True)
class OpenRequest:
    """Open a stream of `kind` on `container`, answered on `reply_to`; `params` are the kind's
    own (tail, since… for logs; cmd, user, cols, rows for a terminal)."""

    kind: str
    session: str
    reply_to: str
    container: str
    deadline: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return open_type(self.kind)

    def to_wire(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "session": self.session,
            "reply_to": self.reply_to,
            "deadline": self.deadline,
            "container": self.container,
            **self.params,
        }

    @classmethod
    def from_wire(cls, message: dict) -> OpenRequest:
        kind = str(message.get("type", "")).removesuffix(".open")
        fixed = ("type", "session", "reply_to", "deadline", "container")
        return cls(
            kind=kind,
            session=str(message.get("session", "")),
            reply_to=message["reply_to"],
            container=str(message.get("container", "")),
            deadline=float(message.get("deadline") or 0.0),
            params={k: v for k, v in message.items() if k not in fixed},
        )


def open_request(kind: str, session: str, reply_to: str, container: str, **params) -> dict:
    """The request, for the host's stream channel, to open a stream of `kind` answered on `reply_to`."""
    return OpenRequest(kind, session, reply_to, container, time.time() + OPEN_TIMEOUT, params).to_wire()
