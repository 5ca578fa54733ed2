"""Container options that amount to root on the host: only an admin of that host may use them.

`dangerous_options` reads a container spec in the shape of the containers API
(`POST /api/v1/containers/`) and names every such option it sets; the policy refuses them
for anyone below admin, naming the option, so the user knows what to drop.

A named volume whose driver options bind a host path (`volume_dangers`, by wire.dangers'
`host_path_of`, the rule the host worker judges a run's volumes by) and a container joined to the
host network (`network_dangers`) are the same danger: creating the one and connecting to the
other need admin too.

A container created with such options stays as dangerous as they were: `container_dangers` reads
them, in the same words, from its stored inspect (a Container's `dangers`), and the policy asks
`container.privileged` too before letting anyone inside it (portal/access/policy.py, `can`).
"""

from __future__ import annotations

from typing import Any

from portal.access.policy import DANGER_ACTION, can
from portal.refusals import Forbidden
from wire.dangers import (
    DANGEROUS_OPTION,
    admin_only_sentence,
    bind_sources,
    host_path_of,
    option_labels,
    volume_label,
)

__all__ = [
    "DangerousOption",
    "container_dangers",
    "dangerous_options",
    "inside_refusal",
    "network_dangers",
    "refuse_dangerous_options",
    "refuse_dangers",
    "volume_dangers",
]

# Each namespace a container may share with the host ("host") or with another container
# ("container:<x>", whose namespace may itself be the host's): its spec keys and its name.
# Getting inside a container (console, attach): what a dangerous one refuses (INSIDE_ACTIONS).
INSIDE = "container.exec"
NAMESPACES = {"network": ("network", "network_mode"), "PID": ("pid_mode",), "IPC": ("ipc_mode",)}


class DangerousOption(Forbidden):
    """A spec asks for options that need admin on the host."""

    code = DANGEROUS_OPTION

    def __init__(self, options: list[str], sentence: str = "", *, action: str = "", target=None):
        self.options = options
        super().__init__(sentence or admin_only_sentence(options), action=action, target=target)


def dangerous_options(spec: dict[str, Any]) -> list[str]:
    """What a run spec sets that amounts to root on the host. A named volume whose driver options
    bind a host path is judged by the host worker, which alone sees the volume
    (workers/operations/kinds.py, told by the spec's operation whether the user may)."""
    namespaces = {kind: [spec.get(key) for key in keys] for kind, keys in NAMESPACES.items()}
    return option_labels(
        spec.get("privileged"),
        namespaces,
        bind_sources(spec.get("volumes")),
        spec.get("cap_add"),
        spec.get("devices"),
        spec.get("security_opt"),
        spec.get("userns_mode"),
    )


def container_dangers(inspect: dict[str, Any] | None) -> list[str]:
    """What a container's configuration (the engine's inspect body) has that amounts to root on
    the host, in dangerous_options' words: a shell inside it is a shell on the host."""
    config = (inspect or {}).get("HostConfig") or {}
    binds = [str(bind).split(":", 1)[0] for bind in config.get("Binds") or []]
    binds += [str(m.get("Source") or "") for m in config.get("Mounts") or [] if m.get("Type") == "bind"]
    namespaces = {
        "network": [config.get("NetworkMode")],
        "PID": [config.get("PidMode")],
        "IPC": [config.get("IpcMode")],
    }
    return option_labels(
        config.get("Privileged"),
        namespaces,
        [path for path in binds if path.startswith("/")],
        config.get("CapAdd"),
        config.get("Devices"),
        config.get("SecurityOpt"),
        config.get("UsernsMode"),
    )


def inside_refusal(container) -> Forbidden:
    """The refusal for someone the policy keeps out of `container` (console, attach): what makes
    it dangerous when that is why, else the role."""
    if container.dangers:
        # The labels first: a socket's close reason keeps only 120 characters.
        listed = ", ".join(container.dangers)
        return DangerousOption(
            container.dangers,
            f"This container has {listed}: only an admin of this host may get inside it.",
            action=INSIDE,
            target=container,
        )
    return Forbidden("You may not open a terminal on this host.", action=INSIDE, target=container)


def volume_dangers(name: str, driver: str, options: dict[str, Any] | None) -> list[str]:
    """A volume whose driver options bind a host path, in the words a run's refusal uses."""
    path = host_path_of(driver, options)
    return [volume_label(name or "(unnamed)", path)] if path else []


def network_dangers(driver: str, name: str) -> list[str]:
    """Joining the host's network stack is sharing its network namespace, as `network: host` is."""
    return ["host network"] if driver == "host" or name == "host" else []


def refuse_dangers(user_or_request, host_id: int, options: list[str]) -> None:
    """Raise DangerousOption unless there are none or the user is admin on the host."""
    if options and not can(user_or_request, DANGER_ACTION, host_id):
        raise DangerousOption(options, action=DANGER_ACTION)


def refuse_dangerous_options(user_or_request, host_id: int, spec: dict[str, Any]) -> None:
    """Raise DangerousOption unless the user is admin on the host or the spec has none."""
    refuse_dangers(user_or_request, host_id, dangerous_options(spec))
