"""What an engine says about itself (`docker info` + `docker version`), as a typed record."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["EngineInfo", "engine_info_from_api"]


@dataclass(frozen=True)
class EngineInfo:
    """A snapshot of one Docker engine's identity and size."""

    engine_id: str
    hostname: str
    engine_version: str
    api_version: str
    os: str
    kernel: str
    arch: str
    cpus: int
    memory: int
    containers: int
    containers_running: int
    containers_paused: int
    containers_stopped: int
    images: int
    # Where the engine keeps images and containers, as the engine sees it (a path on its machine).
    docker_root_dir: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def engine_info_from_api(info: dict[str, Any], version: dict[str, Any]) -> EngineInfo:
    """Build an EngineInfo from the raw `/info` and `/version` bodies.

    Engines differ in which fields they fill; a missing field becomes an empty value
    rather than an error, so a newer or older engine never stops a host from reporting.
    """
    return EngineInfo(
        engine_id=str(info.get("ID") or ""),
        hostname=str(info.get("Name") or ""),
        engine_version=str(version.get("Version") or info.get("ServerVersion") or ""),
        api_version=str(version.get("ApiVersion") or ""),
        os=str(info.get("OperatingSystem") or version.get("Os") or ""),
        kernel=str(info.get("KernelVersion") or version.get("KernelVersion") or ""),
        arch=str(info.get("Architecture") or version.get("Arch") or ""),
        cpus=_int(info.get("NCPU")),
        memory=_int(info.get("MemTotal")),
        containers=_int(info.get("Containers")),
        containers_running=_int(info.get("ContainersRunning")),
        containers_paused=_int(info.get("ContainersPaused")),
        containers_stopped=_int(info.get("ContainersStopped")),
        images=_int(info.get("Images")),
        docker_root_dir=str(info.get("DockerRootDir") or ""),
    )
