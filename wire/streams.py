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

Flow control is a credit window: the worker never has more than WINDOW chunks un-acked, so
a consumer that falls behind makes the worker stop reading from the engine (which in turn
stops the process writing). The web side acks every ACK_EVERY chunks once they were handed
to the websocket. A gap in `seq` is an error the web side reports, never skipped silently.

Liveness: each side sends KEEPALIVE when it has sent nothing for KEEPALIVE_EVERY seconds,
and ends the session when it has heard nothing from its peer for PEER_TIMEOUT seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

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
    "Ack",
    "Close",
    "Data",
    "End",
    "Error",
    "Input",
    "KeepAlive",
    "OpenRequest",
    "Pause",
    "Ready",
    "Resize",
    "Resume",
    "StreamMessage",
    "open_request",
    "open_type",
    "parse_message",
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


class StreamMessage:
    """A message of an open stream: `type` names it; to_wire() is what the layer carries, its
    fields by name beside the type."""

    type: ClassVar[str]

    def to_wire(self) -> dict[str, Any]:
        return {"type": self.type, **{item.name: getattr(self, item.name) for item in fields(self)}}

    @classmethod
    def from_wire(cls, message: dict) -> StreamMessage:
        return cls(**{item.name: message[item.name] for item in fields(cls) if item.name in message})


@dataclass(frozen=True)
class Ready(StreamMessage):
    """The stream is open: send control messages to `channel`. `facts` are the kind's (tty, command…)."""

    type: ClassVar[str] = READY
    session: str
    channel: str
    facts: dict[str, Any] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        return {"type": self.type, "session": self.session, "channel": self.channel, **self.facts}

    @classmethod
    def from_wire(cls, message: dict) -> Ready:
        facts = {k: v for k, v in message.items() if k not in ("type", "session", "channel")}
        return cls(session=str(message.get("session", "")), channel=message["channel"], facts=facts)


@dataclass(frozen=True)
class Data(StreamMessage):
    """Chunk number `seq` (from 1, no gaps): bytes, or whatever the kind sends (a batch of log lines…)."""

    type: ClassVar[str] = DATA
    seq: int
    data: Any = None


@dataclass(frozen=True)
class End(StreamMessage):
    """The stream is over: the exit code where there is one, and why, for the user."""

    type: ClassVar[str] = END
    code: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class Error(StreamMessage):
    """The stream failed (or could not open) and is over."""

    type: ClassVar[str] = ERROR
    message: str = ""


@dataclass(frozen=True)
class Ack(StreamMessage):
    """Everything up to `seq` was delivered."""

    type: ClassVar[str] = ACK
    seq: int = 0

    @classmethod
    def from_wire(cls, message: dict) -> Ack:
        return cls(seq=int(message.get("seq", 0)))


@dataclass(frozen=True)
class Input(StreamMessage):
    """Bytes (or text) for the process's stdin."""

    type: ClassVar[str] = INPUT
    data: Any = None


@dataclass(frozen=True)
class Resize(StreamMessage):
    type: ClassVar[str] = RESIZE
    cols: int = 80
    rows: int = 24

    @classmethod
    def from_wire(cls, message: dict) -> Resize:
        return cls(cols=int(message.get("cols", 80)), rows=int(message.get("rows", 24)))


@dataclass(frozen=True)
class Pause(StreamMessage):
    type: ClassVar[str] = PAUSE


@dataclass(frozen=True)
class Resume(StreamMessage):
    type: ClassVar[str] = RESUME


@dataclass(frozen=True)
class Close(StreamMessage):
    type: ClassVar[str] = CLOSE


@dataclass(frozen=True)
class KeepAlive(StreamMessage):
    type: ClassVar[str] = KEEPALIVE


MESSAGES: dict[str, type[StreamMessage]] = {
    kind.type: kind for kind in (Ready, Data, End, Error, Ack, Input, Resize, Pause, Resume, Close, KeepAlive)
}


def parse_message(message: dict) -> StreamMessage | None:
    """The stream message, or None for a type this side does not know (it is ignored)."""
    kind = MESSAGES.get(message.get("type", ""))
    return None if kind is None else kind.from_wire(message)
