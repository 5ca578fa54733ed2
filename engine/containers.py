"""Container operations: run (create + start, pulling first when the image is missing), the
life-cycle actions, rename, remove, commit and the read-write layer's changes.

A run spec (wire.run_spec.RunSpec) is what the portal validated: typed options in, engine
calls out. Nothing is left half-done: a container that was created
but could not start is removed again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from engine.client import Engine
from engine.errors import OperationFailed
from wire.run_spec import RunSpec

__all__ = ["LIFECYCLE", "container_changes", "create_arguments", "lifecycle", "run_container"]

# Docker's `ChangeType`: 0 modified, 1 added, 2 deleted.
CHANGE_KINDS = {0: "changed", 1: "added", 2: "deleted"}


def create_arguments(engine: Engine, spec: RunSpec) -> dict[str, Any]:
    """`create_container` keyword arguments for a run spec."""
    port_bindings: dict[str, list] = {}
    exposed = []
    for port in spec.ports:
        key = f"{port.container_port}/{port.protocol or 'tcp'}"
        exposed.append((port.container_port, port.protocol or "tcp"))
        binding = (port.host_ip, port.host_port) if port.host_ip else port.host_port
        port_bindings.setdefault(key, []).append(binding)
    binds, anonymous = {}, []
    for volume in spec.volumes:
        if volume.type == "anonymous" or not volume.source:
            anonymous.append(volume.target)
        else:
            binds[volume.source] = {"bind": volume.target, "mode": "ro" if volume.read_only else "rw"}
    restart = spec.restart_policy
    host_config: dict[str, Any] = {
        "port_bindings": {k: (v if len(v) > 1 else v[0]) for k, v in port_bindings.items()} or None,
        "binds": binds or None,
        "auto_remove": spec.auto_remove,
        "privileged": spec.privileged,
    }
    if restart is not None and restart.name and restart.name != "no":
        host_config["restart_policy"] = {"Name": restart.name, "MaximumRetryCount": restart.maximum_retry_count}
    if spec.memory:
        host_config["mem_limit"] = int(spec.memory)
    if spec.cpus:
        host_config["nano_cpus"] = int(float(spec.cpus) * 1e9)
    network = spec.network or spec.network_mode
    if network:
        host_config["network_mode"] = network
    for key in ("cap_add", "devices", "pid_mode", "ipc_mode", "security_opt"):
        if getattr(spec, key):
            host_config[key] = getattr(spec, key)
    ports = [p if proto == "tcp" else (p, proto) for p, proto in exposed]
    return {
        "image": spec.image,
        "name": spec.name or None,
        "command": spec.command or None,
        "entrypoint": spec.entrypoint or None,
        "working_dir": spec.working_dir or None,
        "user": spec.user or None,
        "environment": spec.env or None,
        "labels": spec.labels or None,
        "tty": spec.tty,
        "stdin_open": spec.stdin_open,
        "ports": ports or None,
        "volumes": [*anonymous, *(v["bind"] for v in binds.values())] or None,
        "host_config": engine.host_config(**{k: v for k, v in host_config.items() if v is not None}),
    }


def image_present(engine: Engine, reference: str) -> bool:
    try:
        engine.act("inspect_image", reference, subject=reference)
        return True
    except OperationFailed as exc:
        if exc.code == "image_not_found":
            return False
        raise


def run_container(engine: Engine, spec: RunSpec, pull: Callable[[str], dict]) -> dict[str, Any]:
    """Create and start a container from `spec`; `pull(reference)` fetches a missing image first.
    Answers the container's id and name."""
    reference = spec.image
    pulled = None
    if not image_present(engine, reference):
        pulled = pull(reference)
    created = engine.act("create_container", **create_arguments(engine, spec), subject=spec.name or reference)
    container_id = created["Id"]
    try:
        engine.act("start", container_id, subject=spec.name or container_id[:12])
    except OperationFailed:
        # A container that never ran is not left behind (auto-remove ones may already be gone).
        with contextlib.suppress(OperationFailed):
            engine.act("remove_container", container_id, v=True, force=True)
        raise
    name = spec.name
    with contextlib.suppress(OperationFailed):  # auto-removed already: it ran and ended
        name = engine.act("inspect_container", container_id)["Name"].lstrip("/")
    result = {"container_id": container_id, "name": name}
    if pulled:
        result["pulled"] = pulled
    return result


LIFECYCLE: dict[str, Callable[..., Any]] = {
    "start": lambda e, cid, subject, **_: e.act("start", cid, subject=subject),
    "stop": lambda e, cid, subject, timeout=None, **_: e.act(
        "stop", cid, timeout=10 if timeout is None else int(timeout), subject=subject
    ),
    "restart": lambda e, cid, subject, timeout=None, **_: e.act(
        "restart", cid, timeout=10 if timeout is None else int(timeout), subject=subject
    ),
    "kill": lambda e, cid, subject, signal=None, **_: e.act("kill", cid, signal=signal or "SIGKILL", subject=subject),
    "pause": lambda e, cid, subject, **_: e.act("pause", cid, subject=subject),
    "unpause": lambda e, cid, subject, **_: e.act("unpause", cid, subject=subject),
    "rename": lambda e, cid, subject, name, **_: e.act("rename", cid, name, subject=name),
    "remove": lambda e, cid, subject, force=False, volumes=False, **_: e.act(
        "remove_container", cid, v=bool(volumes), force=bool(force), subject=subject
    ),
}


def lifecycle(engine: Engine, action: str, container_id: str, subject: str, **options) -> dict[str, Any]:
    """One of LIFECYCLE's actions on a container; the stop/restart clients wait their timeout
    plus a margin, since the engine answers only once the container stopped."""
    LIFECYCLE[action](engine, container_id, subject, **options)
    return {"container_id": container_id}


def container_changes(engine: Engine, container_id: str, subject: str) -> list[dict[str, str]]:
    """`docker diff`: each path the read-write layer added, changed or deleted, sorted by path."""
    changes = engine.act("diff", container_id, subject=subject) or []
    return sorted(
        ({"path": c.get("Path", ""), "kind": CHANGE_KINDS.get(c.get("Kind"), "changed")} for c in changes),
        key=lambda c: c["path"],
    )


def commit_container(engine: Engine, container_id: str, subject: str, **options) -> dict[str, Any]:
    made = engine.act(
        "commit",
        container_id,
        repository=options.get("repository") or None,
        tag=options.get("tag") or None,
        message=options.get("message") or None,
        author=options.get("author") or None,
        subject=subject,
    )
    return {"image_id": made.get("Id", "")}
