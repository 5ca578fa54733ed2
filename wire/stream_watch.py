"""Watching a terminal session read-only (wire.streams describes the rest of the exchange). A
watcher's web consumer talks to the session's channel; the host worker sends it what the owner
is sent, without flow control of its own: a watcher that falls behind is dropped, and its next
WATCH (sent every KEEPALIVE_EVERY, as its keepalive) makes it start again from the tail.

Web → worker (the session's channel):
    WATCH   {"reply_to"}       join, or say one is still there; a new watcher is sent TAIL first
    UNWATCH {"reply_to"}       leave

Worker → watcher (on its `reply_to`):
    TAIL    {"offset", "data", "cols", "rows"}   the last output bytes the session holds, from byte
                                                `offset` of its output: the screen is rebuilt
                                                from them (portal/terminals/screen.py)
    OUTPUT  {"offset", "data"}                  the owner was sent these bytes, from byte `offset`
    RESIZED {"cols", "rows"}
    OVER    {"reason"}                          the session is over
"""

from __future__ import annotations

__all__ = ["OUTPUT", "OVER", "RESIZED", "TAIL", "UNWATCH", "WATCH"]

WATCH = "stream.watch"
UNWATCH = "stream.unwatch"
TAIL = "watch.tail"
OUTPUT = "watch.output"
RESIZED = "watch.resized"
OVER = "watch.over"
