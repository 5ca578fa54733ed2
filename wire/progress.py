"""An operation's live progress, from the host worker to whoever watches the operation.

- OperationProgress: a batch of what changed, sent to the channel-layer group
  `wire.names.operation_group(id)`; `seq` numbers the batches from 1.
- ProgressSnapshot: everything so far, kept in Redis under `wire.names.operation_progress_key(id)`
  for a viewer who joins late (who then skips the batches up to its `seq`), and in the end
  report's progress and log.

Both are MACed by the host with the operation's own key (wire.stream_signing, as stream messages
are): `progress_key` derives it from the portal's secret, the operation's id and its host's, and
the portal seals it to that host in the operation's signed task. Only that host can open it, so a
batch or a snapshot whose MAC checks is that host's, for that operation; the portal drops the rest.
A batch is MACed as a stream message is (its msgpack); a snapshot, kept as JSON text, as that text
(`signed_snapshot`, `verified_snapshot`).
"""

from __future__ import annotations

import binascii
import hmac
import json
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from wire.stream_signing import StreamKey, derived_key

__all__ = ["OperationProgress", "ProgressSnapshot", "progress_key", "signed_snapshot", "verified_snapshot"]

_SNAPSHOT = b"snapshot\0"


def progress_key(secret: bytes, operation_id: int, host_id: int) -> StreamKey:
    """The key of one operation's progress: the portal derives it again whenever it needs it."""
    return derived_key(secret, "operation-progress", int(operation_id), int(host_id))


@dataclass(frozen=True)
class OperationProgress:
    """The layers that changed (engine.progress.Layer.as_dict()), the pull/push status line,
    the build step, and the log lines that are new."""

    type: ClassVar[str] = "operation.progress"

    operation: int
    seq: int
    layers: list[dict] = field(default_factory=list)
    status: str = ""
    step: str = ""
    log: list[str] = field(default_factory=list)

    def to_wire(self) -> dict[str, Any]:
        return {"type": self.type, **asdict(self)}

    @classmethod
    def from_wire(cls, message: dict) -> OperationProgress:
        return cls(
            operation=int(message["operation"]),
            seq=int(message["seq"]),
            layers=list(message.get("layers") or []),
            status=str(message.get("status") or ""),
            step=str(message.get("step") or ""),
            log=list(message.get("log") or []),
        )


@dataclass(frozen=True)
class ProgressSnapshot:
    """Every layer, the status, the step and the whole log (its last lines) after batch `seq`."""

    seq: int = 0
    layers: list[dict] = field(default_factory=list)
    status: str = ""
    step: str = ""
    log: list[str] = field(default_factory=list)

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_wire(cls, data: dict) -> ProgressSnapshot:
        return cls(
            seq=int(data.get("seq") or 0),
            layers=list(data.get("layers") or []),
            status=str(data.get("status") or ""),
            step=str(data.get("step") or ""),
            log=list(data.get("log") or []),
        )


def signed_snapshot(key: StreamKey, snapshot: ProgressSnapshot) -> str:
    """The snapshot as the text kept in Redis: its MAC (hex), a newline, its JSON."""
    text = json.dumps(snapshot.to_wire())
    return key.digest(_SNAPSHOT, text.encode()).hex() + "\n" + text


def verified_snapshot(key: StreamKey, stored: str | bytes | None) -> ProgressSnapshot | None:
    """The snapshot when its MAC is this key's; None when there is none, or it was not made with it."""
    if isinstance(stored, bytes):
        stored = stored.decode(errors="replace")
    if not isinstance(stored, str) or "\n" not in stored:
        return None
    mac, text = stored.split("\n", 1)
    try:
        expected = binascii.unhexlify(mac)
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(expected, key.digest(_SNAPSHOT, text.encode())):
        return None
    try:
        return ProgressSnapshot.from_wire(json.loads(text))
    except (ValueError, TypeError, AttributeError):
        return None
