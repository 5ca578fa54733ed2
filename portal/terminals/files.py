"""Serving a session's recording file to whoever may see the session."""

from django.http import FileResponse, Http404

from portal.terminals.models import TerminalSession
from portal.terminals.recording import recordings_dir

__all__ = ["recording_response"]


def recording_response(session: TerminalSession) -> FileResponse:
    root = recordings_dir().resolve()
    path = (root / session.recording).resolve() if session.recording else None
    if path is None or not path.is_relative_to(root) or not path.is_file():
        raise Http404("This session's recording was purged or never written.")
    response = FileResponse(path.open("rb"), content_type="application/x-asciicast")
    response["Content-Disposition"] = f'inline; filename="berth-session-{session.pk}.cast"'
    return response
