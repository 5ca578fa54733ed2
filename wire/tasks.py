"""What the portal asks of a host worker, with the arguments each request carries.

- OperationTask: OPERATION_TASK on the host's queue: one operation (an OperationRequest) and the
  registry credentials it needs, which ride in this task only and are never logged or stored.
- InventoryResync: INVENTORY_RESYNC_TASK on the host's queue, without arguments: "send me
  everything again", when the portal's picture of the host has a gap.
- DiffRequest: CONTAINER_DIFF_REQUEST on the host's stream channel: a container's changes, answered
  (a DiffReply) in a Redis list of the request's own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from wire.names import CONTAINER_DIFF_REQUEST, DIFF_REPLY_PREFIX, INVENTORY_RESYNC_TASK, OPERATION_TASK, diff_reply_key

__all__ = ["DiffReply", "DiffRequest", "InventoryResync", "OperationRequest", "OperationTask"]


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
    auth_config: dict | None = None

    def to_wire(self) -> dict[str, Any]:
        return {"operation": self.operation.to_wire(), "auth_config": self.auth_config}

    def shown(self) -> dict[str, Any]:
        return {
            "operation": {"id": self.operation.id, "kind": self.operation.kind},
            "auth_config": "***" if self.auth_config else None,
        }

    @classmethod
    def from_wire(cls, operation: dict, auth_config: dict | None = None) -> OperationTask:
        """From the task's keyword arguments, as Celery hands them over."""
        return cls(operation=OperationRequest.from_wire(operation), auth_config=auth_config)


@dataclass(frozen=True)
class InventoryResync:
    """The resync task: it has no arguments."""

    name: ClassVar[str] = INVENTORY_RESYNC_TASK


@dataclass(frozen=True)
class DiffRequest:
    """Ask for a container's changes; the worker pushes a DiffReply onto `reply_key` (which must
    be one of diff_reply_key's, so a request cannot make a worker write elsewhere in Redis)."""

    type: ClassVar[str] = CONTAINER_DIFF_REQUEST

    container_id: str
    subject: str = ""
    reply_key: str = field(default_factory=diff_reply_key)
    deadline: float = 0.0

    @classmethod
    def within(cls, timeout: float, container_id: str, subject: str = "") -> DiffRequest:
        """A request that a worker drops once it waited past `timeout` seconds."""
        return cls(container_id=container_id, subject=subject, deadline=time.time() + timeout)

    def to_wire(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "container_id": self.container_id,
            "subject": self.subject,
            "reply_key": self.reply_key,
            "deadline": self.deadline,
        }

    @classmethod
    def from_wire(cls, message: dict) -> DiffRequest | None:
        """The request, or None when its reply key is not one a portal makes."""
        reply_key = str(message.get("reply_key") or "")
        if not reply_key.startswith(DIFF_REPLY_PREFIX):
            return None
        return cls(
            container_id=str(message.get("container_id")),
            subject=str(message.get("subject") or ""),
            reply_key=reply_key,
            deadline=float(message.get("deadline") or 0.0),
        )


@dataclass(frozen=True)
class DiffReply:
    """The container's changes ({"path", "kind"} each), or the engine's refusal (error, code)."""

    changes: list[dict] | None = None
    error: str = ""
    code: str = ""

    def to_wire(self) -> dict[str, Any]:
        if self.error:
            return {"error": self.error, "code": self.code}
        return {"changes": self.changes or []}

    @classmethod
    def from_wire(cls, data: dict) -> DiffReply:
        if "error" in data:
            return cls(error=str(data["error"]), code=str(data.get("code") or ""))
        return cls(changes=list(data.get("changes") or []))
