"""Every kind of stream the host worker serves, registered the one way: `Kind.register(streams, host=…)`."""

from __future__ import annotations

from workers.streams.changes import ChangesSession
from workers.streams.engine_session import EngineHost, EngineSession
from workers.streams.logs import LogsSession
from workers.streams.loop import StreamLoop
from workers.streams.stats import StatsSession
from workers.streams.terminal import AttachSession, TerminalSession

__all__ = ["SESSIONS", "register_streams"]

SESSIONS: tuple[type[EngineSession], ...] = (LogsSession, StatsSession, TerminalSession, AttachSession, ChangesSession)


def register_streams(streams: StreamLoop, docker_host: str) -> EngineHost:
    """Serves every kind of stream from the engine at `docker_host`, sharing one EngineHost."""
    host = EngineHost(docker_host)
    for session in SESSIONS:
        session.register(streams, host=host)
    return host
