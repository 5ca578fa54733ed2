"""The container, image, network and volume records a host worker reports (in an inventory batch,
wire.inventory): built from the engine by engine.inventory and engine.attachments, read back into
rows by the portal (portal/containers/records.py, portal/images/records.py,
portal/networks/records.py, portal/volumes/records.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ContainerRecord", "ImageRecord", "NetworkRecord", "VolumeRecord"]


@dataclass
class ContainerRecord:
    """One container as Berth records it. `inspect` is the engine's full inspect body, or None
    when this record was built from a listing only (the receiver keeps what it had)."""

    engine_id: str
    name: str
    image: str
    image_id: str
    command: str
    state: str
    created: str | None
    started_at: str | None = None
    finished_at: str | None = None
    exit_code: int | None = None
    ports: list[dict] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    mounts: list[dict] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    restart_count: int = 0
    health: str | None = None
    inspect: dict | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    to_wire = as_dict


@dataclass
class ImageRecord:
    """One image. `layers` runs base to top, or is None when not read (the receiver keeps what it had)."""

    engine_id: str
    tags: list[str]
    digests: list[str]
    size: int
    created: str | None
    labels: dict[str, str] = field(default_factory=dict)
    parent_id: str = ""
    layers: list[dict] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    to_wire = as_dict


@dataclass
class NetworkRecord:
    """One network. `ipam` holds its address pools `{subnet, gateway, ip_range}`; `containers`
    the containers that name it, `{engine_id, name, ipv4_address, ipv6_address, mac_address}`
    (addresses empty while a container is not running)."""

    engine_id: str
    name: str
    driver: str
    scope: str
    created: str | None
    internal: bool = False
    attachable: bool = False
    ingress: bool = False
    ipv6: bool = False
    ipam: list[dict] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    containers: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    to_wire = as_dict


@dataclass
class VolumeRecord:
    """One named volume; its name is its id on the host. `containers` are those that mount it,
    `{engine_id, name, destination, rw}`; `size` is in bytes when the engine told, else None."""

    engine_id: str
    driver: str
    mountpoint: str
    scope: str
    created: str | None
    options: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    containers: list[dict] = field(default_factory=list)
    size: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    to_wire = as_dict
