"""An operation's live progress, from the host worker to whoever watches the operation.

- OperationProgress: a batch of what changed, sent to the channel-layer group
  `wire.names.operation_group(id)`; `seq` numbers the batches from 1.
- ProgressSnapshot: everything so far, kept in Redis under `wire.names.operation_progress_key(id)`
  for a viewer who joins late (who then skips the batches up to its `seq`), and in the end
  report's progress and log.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

__all__ = ["OperationProgress", "ProgressSnapshot"]


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
