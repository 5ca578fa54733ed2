"""Container options that amount to root on the host: only an admin of that host may use them.

`dangerous_options` reads a container spec in the shape of the containers API
(`POST /api/v1/containers/`) and names every such option it sets; the policy refuses them
for anyone below admin, naming the option, so the user knows what to drop.
"""

from __future__ import annotations

from typing import Any

from portal.access.policy import can
from portal.refusals import Forbidden

__all__ = ["DangerousOption", "dangerous_options", "refuse_dangerous_options"]

HOST_NAMESPACES = {"network_mode": "host network", "pid_mode": "host PID namespace", "ipc_mode": "host IPC namespace"}


class DangerousOption(Forbidden):
    """A spec asks for options that need admin on the host."""

    code = "dangerous_option"

    def __init__(self, options: list[str]):
        self.options = options
        super().__init__(
            f"Only an admin of this host may use: {', '.join(options)}. Remove "
            f"{'it' if len(options) == 1 else 'them'} or ask an admin."
        )


def _bind_sources(volumes: Any) -> list[str]:
    """Host paths among `volumes`: strings "src:dst[:mode]" or objects {source, target, type}."""
    paths = []
    for volume in volumes or []:
        if isinstance(volume, str):
            source = volume.split(":", 1)[0] if ":" in volume else ""
        elif isinstance(volume, dict):
            if volume.get("type", "bind" if str(volume.get("source", "")).startswith("/") else "volume") != "bind":
                continue
            source = str(volume.get("source") or "")
        else:
            continue
        # A named volume has no slash; a host path starts with one (or ~ / . which Docker expands).
        if source.startswith(("/", "~", ".")):
            paths.append(source)
    return paths


def dangerous_options(spec: dict[str, Any]) -> list[str]:
    found = []
    if spec.get("privileged"):
        found.append("privileged mode")
    for key, label in HOST_NAMESPACES.items():
        if str(spec.get(key) or "").lower() == "host":
            found.append(label)
    if str(spec.get("network") or "").lower() == "host" and "host network" not in found:
        found.append("host network")
    found += [f"bind mount of host path {path}" for path in _bind_sources(spec.get("volumes"))]
    if spec.get("cap_add"):
        found.append("added capabilities (" + ", ".join(map(str, spec["cap_add"])) + ")")
    if spec.get("devices"):
        found.append("host devices")
    if spec.get("security_opt"):
        found.append("security options")
    if str(spec.get("userns_mode") or "").lower() == "host":
        found.append("host user namespace")
    return found


def refuse_dangerous_options(user_or_request, host_id: int, spec: dict[str, Any]) -> None:
    """Raise DangerousOption unless the user is admin on the host or the spec has none."""
    options = dangerous_options(spec)
    if options and not can(user_or_request, "container.privileged", host_id):
        raise DangerousOption(options)
