"""An operation's progress as its host MACed it (wire.progress): the key, derived again whenever
it is needed (from SECRET_KEY, the operation's id and its host's: the portal keeps nothing), and
what a viewer is shown of what arrives — only what that key made."""

from __future__ import annotations

from django.conf import settings

from wire.progress import progress_key
from wire.stream_signing import StreamKey

__all__ = ["progress_key_for"]


def progress_key_for(operation_id: int, host_id: int) -> StreamKey:
    """The key the operation's host MACs its progress with; the task carried it sealed to that host."""
    return progress_key(settings.SECRET_KEY.encode(), operation_id, host_id)
