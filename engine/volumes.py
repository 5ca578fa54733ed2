"""Named volumes as the engine knows them: listed as records (with the containers that mount
them), created, removed and pruned."""

from __future__ import annotations

from typing import Any

import docker.errors

from engine.client import Engine
from engine.errors import explain
from engine.inventory import iso_time, text_dict
from wire.dangers import host_path_of
from wire.records import VolumeRecord

__all__ = [
    "create_volume",
    "host_path_of",
    "list_volumes",
    "prune_volumes",
    "remove_volume",
    "volume_from_list",
    "volume_host_path",
    "volume_sizes",
    "volume_users",
]


def volume_host_path(engine: Engine, name: str) -> str | None:
    """The host path the named volume binds, or None (also when it does not exist yet: the run
    creates it with the local driver and no options)."""
    try:
        volume = engine._raw(lambda api: api.inspect_volume(name))
    except docker.errors.APIError as exc:
        if exc.status_code == 404:
            return None
        raise explain(exc, name) from exc
    return host_path_of(volume.get("Driver") or "", volume.get("Options"))


def volume_users(containers: list[dict]) -> dict[str, list[dict]]:
    """Volume name -> the containers (from `GET /containers/json?all=1`) that mount it, and where."""
    users: dict[str, list[dict]] = {}
    for item in containers:
        name = str(((item.get("Names") or [""])[0]) or "").lstrip("/")
        for mount in item.get("Mounts") or []:
            if isinstance(mount, dict) and mount.get("Type") == "volume" and mount.get("Name"):
                users.setdefault(str(mount["Name"]), []).append(
                    {
                        "engine_id": str(item.get("Id") or ""),
                        "name": name,
                        "destination": str(mount.get("Destination") or ""),
                        "rw": bool(mount.get("RW", True)),
                    }
                )
    return users


def volume_from_list(item: dict, users: list[dict]) -> VolumeRecord:
    """From one entry of `GET /volumes`; the engine fills `UsageData` only when asked for disk usage."""
    usage = item.get("UsageData") if isinstance(item.get("UsageData"), dict) else {}
    size = usage.get("Size")
    return VolumeRecord(
        engine_id=str(item.get("Name") or ""),
        driver=str(item.get("Driver") or ""),
        mountpoint=str(item.get("Mountpoint") or ""),
        scope=str(item.get("Scope") or ""),
        created=iso_time(item.get("CreatedAt")),
        options=text_dict(item.get("Options")),
        labels=text_dict(item.get("Labels")),
        containers=sorted(users, key=lambda user: (user["name"], user["destination"])),
        size=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
    )


def volume_sizes(engine: Engine) -> dict[str, int] | None:
    """Volume name -> its size in bytes, from the engine's disk usage (`GET /system/df?type=volume`;
        engines before API 1.42 ignore the type and add images and containers). The engine walks every
        volume's files for it: ask at a reconcile, never per event. Volumes it cannot size (drivers
        other than local answer -1) are left out; None when the engine refuses the question (one disk
    usage at a time: another is running)."""
    try:
        usage = engine._raw(
            lambda api: api._result(api._get(api._url("/system/df"), params={"type": "volume"}), json=True)
        )
    except docker.errors.APIError:
        return None
    sizes = {}
    for item in (usage or {}).get("Volumes") or []:
        size = (item.get("UsageData") or {}).get("Size") if isinstance(item, dict) else None
        if isinstance(size, int) and not isinstance(size, bool) and size >= 0 and item.get("Name"):
            sizes[str(item["Name"])] = size
    return sizes


def list_volumes(engine: Engine, containers: list[dict]) -> list[VolumeRecord]:
    """Every volume, each with the containers of `containers` (the engine's listing) that mount it."""
    users = volume_users(containers)
    listed = (engine._call("volumes") or {}).get("Volumes") or []
    return [volume_from_list(item, users.get(str(item.get("Name") or ""), [])) for item in listed]


def create_volume(engine: Engine, name: str, driver: str, driver_opts: dict, labels: dict) -> dict[str, Any]:
    volume = (
        engine.act(
            "create_volume",
            name or None,
            driver=driver or "local",
            driver_opts=driver_opts or None,
            labels=labels or None,
            subject=name or "the volume",
        )
        or {}
    )
    return {"name": volume.get("Name", name), "driver": volume.get("Driver", driver)}


def remove_volume(engine: Engine, name: str, force: bool = False, container_ids: list[str] = ()) -> dict[str, Any]:
    """Remove the volume; with `force`, first the containers `container_ids` that use it (the
    engine's own force removes no volume a container uses)."""
    for container_id in container_ids if force else ():
        engine.act("remove_container", container_id, force=True, subject=container_id[:12])
    engine.act("remove_volume", name, force=bool(force), subject=name)
    return {"removed": name, "containers_removed": list(container_ids) if force else []}


def prune_volumes(engine: Engine, everything: bool = False) -> dict[str, Any]:
    """Remove volumes no container uses: the anonymous ones, or with `everything` the named too
    (engines of API 1.42 and later prune only anonymous volumes unless told `all`)."""
    version = tuple(int(part) for part in engine.api_version().split(".")[:2])
    filters = {"all": "true"} if everything and version >= (1, 42) else None
    answer = engine.act("prune_volumes", filters=filters, subject="unused volumes") or {}
    return {
        "deleted": list(answer.get("VolumesDeleted") or []),
        "space_reclaimed": int(answer.get("SpaceReclaimed") or 0),
    }
