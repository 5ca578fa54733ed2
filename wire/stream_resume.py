"""Resuming a stream session after its websocket dropped (a laptop lid, a network blip, a proxy
restart): the two messages the web side sends to the session's channel (wire.streams describes
the rest of the exchange), kept apart from wire.stream_messages so that each stays small.

Web → worker:
    DETACH   {"grace": s, "reply_to"}                    the browser went away: keep the session
                                                         (its process runs on, its output waits)
                                                         for `grace` seconds, then end it as a close;
                                                         ignored unless from the current web side
    REATTACH {"session", "reply_to", "offset", "key"}    a new web side takes over: answer READY on
                                                         `reply_to` for client session `session`,
                                                         then DATA from byte `offset` of the output,
                                                         signed with the new `key` (sealed to the
                                                         host: wire.stream_signing)
Worker → the web side that was attached when another took over:
    TAKEN_OVER {}                                        say nothing more; the session goes on

The READY of a reattach carries "resumed": true, "offset" (the byte the replay starts at) and
"reset": true when the session no longer holds the bytes from the browser's offset on (the
replay then starts at the oldest byte it holds, and the browser clears its screen first). A
stream's output is counted in bytes from 0, so a browser that says how much it has is sent
exactly the rest: nothing lost or repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from wire.stream_messages import StreamMessage

__all__ = ["DETACH", "MAX_GRACE", "REATTACH", "TAKEN_OVER", "Detach", "Reattach", "TakenOver", "parse_resume"]

DETACH = "stream.detach"
REATTACH = "stream.reattach"
TAKEN_OVER = "stream.taken_over"
# The longest a detached session may wait for its browser, whatever the web side asks.
MAX_GRACE = 3600.0


@dataclass(frozen=True)
class Detach(StreamMessage):
    type: ClassVar[str] = DETACH
    grace: float = 60.0
    reply_to: str = ""

    @classmethod
    def from_wire(cls, message: dict) -> Detach:
        try:
            grace = float(message.get("grace", 60.0))
        except (TypeError, ValueError):
            grace = 60.0
        return cls(grace=max(0.0, min(grace, MAX_GRACE)), reply_to=str(message.get("reply_to", "")))


@dataclass(frozen=True)
class Reattach(StreamMessage):
    type: ClassVar[str] = REATTACH
    session: str
    reply_to: str
    offset: int = 0
    key: str = ""

    @classmethod
    def from_wire(cls, message: dict) -> Reattach:
        try:
            offset = max(0, int(message.get("offset", 0)))
        except (TypeError, ValueError):
            offset = 0
        return cls(
            session=str(message.get("session", "")),
            reply_to=str(message["reply_to"]),
            offset=offset,
            key=str(message.get("key", "")),
        )


@dataclass(frozen=True)
class TakenOver(StreamMessage):
    type: ClassVar[str] = TAKEN_OVER


def parse_resume(message: dict[str, Any]) -> Detach | Reattach | None:
    kind = {DETACH: Detach, REATTACH: Reattach}.get(message.get("type", ""))
    return None if kind is None else kind.from_wire(message)
