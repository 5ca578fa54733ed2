"""What the portal asks of a host worker, with the arguments each request carries.

- OperationTask: OPERATION_TASK on the host's queue: one operation (an OperationRequest), the
  registry credentials it needs, which ride in this task only and are never logged or stored, and
  the key its progress is MACed with (wire.progress); both sealed to the host.
- InventoryResync: INVENTORY_RESYNC_TASK on the host's queue, without arguments: "send me
  everything again", when the portal's picture of the host has a gap.

A container's changes (`docker diff`) are a stream like logs (wire.stream_messages, kind "changes").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from wire.names import INVENTORY_RESYNC_TASK, OPERATION_TASK
from wire.stream_signing import KEY_FIELD

__all__ = ["InventoryResync", "OperationRequest", "OperationTask"]


@dataclass(frozen=True)
class OperationRequest:
    """One operation: its record's id, its kind ("container.run", "image.pull", …) and the
    parameters the portal validated for that kind (for container.run, a wire.run_spec.RunSpec
    under "spec")."""

    id: int
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "params": self.params}

    @classmethod
    def from_wire(cls, data: dict) -> OperationRequest:
        return cls(id=int(data["id"]), kind=str(data["kind"]), params=data.get("params") or {})


@dataclass(frozen=True)
class OperationTask:
    """The operation task's keyword arguments. `shown()` is its printable form (what Celery
    may log or show): it says only whether there are credentials."""

    name: ClassVar[str] = OPERATION_TASK

    operation: OperationRequest
    auth_config: dict | str | None = None
    # The progress key sealed to the host (wire.stream_signing's KEY_FIELD, as a stream request's).
    key: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return {"operation": self.operation.to_wire(), "auth_config": self.auth_config, KEY_FIELD: self.key}

    def shown(self) -> dict[str, Any]:
        return {
            "operation": {"id": self.operation.id, "kind": self.operation.kind},
            "auth_config": "***" if self.auth_config else None,
            KEY_FIELD: "***" if self.key else None,
        }

    @classmethod
    def from_wire(cls, operation: dict, auth_config: dict | str | None = None, key: str | None = None) -> OperationTask:
        """From the task's keyword arguments, as Celery hands them over."""
        return cls(operation=OperationRequest.from_wire(operation), auth_config=auth_config, key=key)


@dataclass(frozen=True)
class InventoryResync:
    """The resync task: it has no arguments."""

    name: ClassVar[str] = INVENTORY_RESYNC_TASK
