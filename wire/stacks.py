"""What crosses Redis for stacks (compose projects), both ways.

- StackTask: the parameters of a `stack.*` operation (wire.tasks.OperationRequest's params).
  `compose`/`env` are the files to deploy or plan; `deployed` is the normalized form of what runs
  (for a plan's diff); `dangerous_allowed` says whether the user is admin on the host, so the
  worker may let the dangerous options it finds in compose's normalized form through.
- StackPlan: what a deploy would change (a plan's result, with the normalized `config`).
- The compose labels a container carries, read once here for both sides.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "CONFIG_FILES_LABEL",
    "ONEOFF_LABEL",
    "PROJECT_LABEL",
    "SERVICE_LABEL",
    "WORKING_DIR_LABEL",
    "StackPlan",
    "StackTask",
]

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
CONFIG_FILES_LABEL = "com.docker.compose.project.config_files"
WORKING_DIR_LABEL = "com.docker.compose.project.working_dir"
ONEOFF_LABEL = "com.docker.compose.oneoff"


@dataclass(frozen=True)
class StackTask:
    project: str
    compose: str = ""
    env: str = ""
    pull: bool = False
    volumes: bool = False
    dangerous_allowed: bool = False
    deployed: dict[str, Any] | None = None
    config_files: list[str] = field(default_factory=list)
    working_dir: str = ""

    def to_wire(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None, [], False)} | {"project": self.project}

    @classmethod
    def from_wire(cls, data: dict) -> StackTask:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass(frozen=True)
class StackPlan:
    create: list[str] = field(default_factory=list)
    recreate: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    diff: str = ""

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)
