"""Terminal sessions for portal tests."""

from __future__ import annotations

from django.utils import timezone

from portal.terminals.models import TerminalSession
from portal.terminals.recording import recordings_dir


def make_terminal_session(user, container, recording: str | None = "", **fields) -> TerminalSession:
    """A finished session of `user` on `container`; `recording` (asciicast text) is written to a
    file when given, None leaves the session without one."""
    now = timezone.now()
    session = TerminalSession.objects.create(
        user=user,
        username=user.username,
        host=container.host,
        host_name=container.host.name,
        container=container,
        container_name=container.name,
        container_engine_id=container.engine_id,
        started_at=fields.pop("started_at", now),
        ended_at=fields.pop("ended_at", now),
        exit_code=fields.pop("exit_code", 0),
        **fields,
    )
    if recording is not None:
        session.recording = f"test/{session.pk}.cast"
        path = recordings_dir() / session.recording
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(recording or '{"version": 2, "width": 80, "height": 24}\n')
        session.save(update_fields=["recording"])
    return session
