"""Containers and images as typed records (wire.records, what a worker reports), built from
what the engine lists and inspects.

Engines differ by version in which fields they fill; every reader here tolerates missing or
unexpected values (recording what it can) so that an odd object never stops a sync.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from wire.records import ContainerRecord, ImageRecord

__all__ = [
    "KNOWN_STATES",
    "ContainerRecord",
    "ImageRecord",
    "container_fingerprint",
    "container_from_inspect",
    "container_from_list",
    "image_from_list",
    "image_layers",
    "iso_time",
    "text_dict",
]

log = logging.getLogger(__name__)

KNOWN_STATES = {"created", "running", "paused", "restarting", "removing", "exited", "dead"}
_ZERO_TIME = "0001-01-01T00:00:00Z"


def _iso_from_unix(value: Any) -> str | None:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC).isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def iso_time(value: Any) -> str | None:
    """Docker's RFC 3339 times, with its zero time meaning 'never'."""
    if not value or not isinstance(value, str) or value.startswith(_ZERO_TIME[:10]):
        return None
    return value


def text_dict(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _state(value: Any, container_id: str) -> str:
    state = str(value or "").lower() or "unknown"
    if state not in KNOWN_STATES:
        log.warning("Container %s is in a state Berth does not know: %r (recorded as is)", container_id[:12], state)
    return state


def _ports_from_list(ports: Any) -> list[dict]:
    result = []
    for port in _list(ports):
        if isinstance(port, dict) and "PrivatePort" in port:
            result.append(
                {
                    "private_port": port.get("PrivatePort"),
                    "public_port": port.get("PublicPort"),
                    "ip": port.get("IP", ""),
                    "type": port.get("Type", "tcp"),
                }
            )
    return result


def _ports_from_inspect(network_settings: dict) -> list[dict]:
    result = []
    for key, bindings in (network_settings.get("Ports") or {}).items():
        private, _, proto = key.partition("/")
        try:
            private_port = int(private)
        except ValueError:
            continue
        if not bindings:
            result.append({"private_port": private_port, "public_port": None, "ip": "", "type": proto or "tcp"})
        for binding in bindings or []:
            host_port = binding.get("HostPort")
            result.append(
                {
                    "private_port": private_port,
                    "public_port": int(host_port) if str(host_port or "").isdigit() else None,
                    "ip": binding.get("HostIp", ""),
                    "type": proto or "tcp",
                }
            )
    return result


def _mounts(mounts: Any) -> list[dict]:
    return [
        {
            "type": m.get("Type", ""),
            "name": m.get("Name", ""),
            "source": m.get("Source", ""),
            "destination": m.get("Destination", ""),
            "mode": m.get("Mode", ""),
            "rw": bool(m.get("RW", True)),
        }
        for m in _list(mounts)
        if isinstance(m, dict)
    ]


def container_from_list(item: dict) -> ContainerRecord:
    """From one entry of `GET /containers/json?all=1` (never with size=1: that walks every layer)."""
    engine_id = str(item.get("Id") or "")
    names = _list(item.get("Names"))
    return ContainerRecord(
        engine_id=engine_id,
        name=(str(names[0]) if names else engine_id[:12]).lstrip("/"),
        image=str(item.get("Image") or ""),
        image_id=str(item.get("ImageID") or ""),
        command=str(item.get("Command") or ""),
        state=_state(item.get("State"), engine_id),
        created=_iso_from_unix(item.get("Created")),
        ports=_ports_from_list(item.get("Ports")),
        labels=text_dict(item.get("Labels")),
        mounts=_mounts(item.get("Mounts")),
        networks=sorted(((item.get("NetworkSettings") or {}).get("Networks") or {}).keys()),
    )


def container_from_inspect(data: dict) -> ContainerRecord:
    """From `GET /containers/{id}/json`: everything, with the inspect body kept whole."""
    engine_id = str(data.get("Id") or "")
    state = data.get("State") or {}
    config = data.get("Config") or {}
    network_settings = data.get("NetworkSettings") or {}
    command = " ".join(str(part) for part in [data.get("Path") or "", *_list(data.get("Args"))] if part)
    health = (state.get("Health") or {}).get("Status")
    finished = iso_time(state.get("FinishedAt"))
    return ContainerRecord(
        engine_id=engine_id,
        name=str(data.get("Name") or engine_id[:12]).lstrip("/"),
        image=str(config.get("Image") or ""),
        image_id=str(data.get("Image") or ""),
        command=command,
        state=_state(state.get("Status"), engine_id),
        created=iso_time(data.get("Created")),
        started_at=iso_time(state.get("StartedAt")),
        finished_at=finished,
        exit_code=state.get("ExitCode") if finished or state.get("Status") in ("exited", "dead") else None,
        ports=_ports_from_inspect(network_settings),
        labels=text_dict(config.get("Labels")),
        mounts=_mounts(data.get("Mounts")),
        networks=sorted((network_settings.get("Networks") or {}).keys()),
        restart_count=int(data.get("RestartCount") or 0),
        health=str(health) if health else None,
        inspect=data,
    )


def container_fingerprint(item: dict) -> tuple:
    """What in a listing entry shows the container changed and deserves a fresh inspect.
    (`Status` is left out: "Up 3 minutes" changes every minute without anything happening.)"""
    return (
        item.get("State"),
        tuple(_list(item.get("Names"))),
        item.get("ImageID"),
        item.get("Image"),
        tuple(sorted(text_dict(item.get("Labels")).items())),
    )


def image_from_list(item: dict) -> ImageRecord:
    """From one entry of `GET /images/json`. `<none>:<none>` tags mean dangling: no tags."""
    tags = [t for t in _list(item.get("RepoTags")) if isinstance(t, str) and t != "<none>:<none>"]
    digests = [d for d in _list(item.get("RepoDigests")) if isinstance(d, str) and d != "<none>@<none>"]
    try:
        size = int(item.get("Size") or 0)
    except (TypeError, ValueError):
        size = 0
    return ImageRecord(
        engine_id=str(item.get("Id") or ""),
        tags=sorted(tags),
        digests=sorted(digests),
        size=size,
        created=_iso_from_unix(item.get("Created")),
        labels=text_dict(item.get("Labels")),
        parent_id=str(item.get("ParentId") or ""),
    )


def image_layers(inspect: dict, history: list[dict]) -> list[dict]:
    """The image's read-only layers, base to top, each with its size and the instruction that made it.

    The engine's history lists every instruction, newest first, including those that made no
    layer (ENV, CMD, …); RootFS lists the layers' diff ids, base first. History entries that
    made a layer are matched to diff ids from the base up; those that made none carry no id.
    """
    diff_ids = [d for d in _list((inspect.get("RootFS") or {}).get("Layers")) if isinstance(d, str)]
    entries = [h for h in reversed(_list(history)) if isinstance(h, dict)]
    # An instruction made a layer if it has a size, or if without one the counts still fit.
    made_layer = [int(h.get("Size") or 0) > 0 for h in entries]
    spare = len(diff_ids) - sum(made_layer)
    for index, entry in enumerate(entries):
        if spare <= 0:
            break
        created_by = str(entry.get("CreatedBy") or "")
        if not made_layer[index] and "#(nop)" not in created_by:
            made_layer[index] = True
            spare -= 1
    layers, next_diff = [], 0
    for entry, has_layer in zip(entries, made_layer, strict=True):
        diff_id = None
        if has_layer and next_diff < len(diff_ids):
            diff_id = diff_ids[next_diff]
            next_diff += 1
        layers.append(
            {
                "diff_id": diff_id,
                "size": int(entry.get("Size") or 0),
                "created_by": str(entry.get("CreatedBy") or ""),
                "created": _iso_from_unix(entry.get("Created")),
                "comment": str(entry.get("Comment") or ""),
            }
        )
    return layers
