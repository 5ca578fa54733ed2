"""The messages of an open stream (wire.streams describes the exchange), one dataclass each:
`to_wire()` is the dict the channel layer carries, `parse_message` reads one back."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from wire.streams import ACK, CLOSE, DATA, END, ERROR, INPUT, KEEPALIVE, PAUSE, READY, RESIZE, RESUME

__all__ = [
    "Ack",
    "Close",
    "Data",
    "End",
    "Error",
    "Input",
    "KeepAlive",
    "Pause",
    "Ready",
    "Resize",
    "Resume",
    "StreamMessage",
    "parse_message",
]


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
