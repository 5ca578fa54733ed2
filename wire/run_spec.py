"""The run spec: what `docker run` takes, validated and normalized by the portal's run form and
API (portal's RunContainerSerializer), carried in a container.run operation's params under
"spec", and turned into engine calls on the host (engine.containers.run_container).

On the wire it is a plain object without its empty options (tty and stdin_open are always
there); the operation's record keeps that same object, and the dangerous-options check reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["PortMapping", "RestartPolicy", "RunSpec", "VolumeMount"]

# Kept on the wire even when false: a reader sees the container's console mode either way.
ALWAYS_SENT = ("tty", "stdin_open")


@dataclass(frozen=True)
class PortMapping:
    """`[host_ip:][host_port:]container_port[/protocol]`; no host port: the engine picks one."""

    container_port: int
    host_port: int | None = None
    protocol: str = "tcp"
    host_ip: str = ""

    def to_wire(self) -> dict[str, Any]:
        return {
            "container_port": self.container_port,
            "host_port": self.host_port,
            "protocol": self.protocol,
            "host_ip": self.host_ip,
        }

    @classmethod
    def from_wire(cls, data: dict) -> PortMapping:
        host_port = data.get("host_port")
        return cls(
            container_port=int(data["container_port"]),
            host_port=None if host_port in (None, "") else int(host_port),
            protocol=data.get("protocol") or "tcp",
            host_ip=data.get("host_ip") or "",
        )


@dataclass(frozen=True)
class VolumeMount:
    """A named volume, a bind mount of a host path, or (no source) an anonymous volume."""

    type: str
    source: str
    target: str
    read_only: bool = False

    def to_wire(self) -> dict[str, Any]:
        return {"type": self.type, "source": self.source, "target": self.target, "read_only": self.read_only}

    @classmethod
    def from_wire(cls, data: dict) -> VolumeMount:
        source = data.get("source") or ""
        return cls(
            type=data.get("type") or ("volume" if source else "anonymous"),
            source=source,
            target=data["target"],
            read_only=bool(data.get("read_only")),
        )


@dataclass(frozen=True)
class RestartPolicy:
    name: str = "no"
    maximum_retry_count: int = 0

    def to_wire(self) -> dict[str, Any]:
        return {"name": self.name, "maximum_retry_count": self.maximum_retry_count}

    @classmethod
    def from_wire(cls, data: dict) -> RestartPolicy:
        return cls(name=data.get("name") or "no", maximum_retry_count=int(data.get("maximum_retry_count") or 0))


@dataclass(frozen=True)
class RunSpec:
    """One container to create and start. `memory` is in bytes; `network` (a network to join) and
    `network_mode` (host, none, container:<id>…, admin only) both set the engine's network mode."""

    image: str
    name: str = ""
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    working_dir: str = ""
    user: str = ""
    env: dict[str, str] = field(default_factory=dict)
    ports: list[PortMapping] = field(default_factory=list)
    volumes: list[VolumeMount] = field(default_factory=list)
    restart_policy: RestartPolicy | None = None
    memory: int | None = None
    cpus: float | None = None
    labels: dict[str, str] = field(default_factory=dict)
    network: str = ""
    tty: bool = False
    stdin_open: bool = False
    auto_remove: bool = False
    # Dangerous: amount to root on the host (portal/access/dangerous.py).
    privileged: bool = False
    cap_add: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    pid_mode: str = ""
    ipc_mode: str = ""
    network_mode: str = ""
    security_opt: list[str] = field(default_factory=list)

    def to_wire(self) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, PortMapping | VolumeMount | RestartPolicy):
                value = value.to_wire()
            elif isinstance(value, list):
                value = [v.to_wire() if isinstance(v, PortMapping | VolumeMount) else v for v in value]
            if value not in (None, "", [], {}) or item.name in ALWAYS_SENT:
                spec[item.name] = value
        return spec

    @classmethod
    def from_wire(cls, data: dict) -> RunSpec:
        """From the wire form, or from any mapping of the same names (unknown names are ignored)."""
        known = {item.name for item in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and v is not None}
        values["ports"] = [PortMapping.from_wire(p) for p in values.get("ports") or []]
        values["volumes"] = [VolumeMount.from_wire(v) for v in values.get("volumes") or []]
        policy = values.get("restart_policy")
        values["restart_policy"] = RestartPolicy.from_wire(policy) if policy else None
        return cls(**values)
