"""The words for options that amount to root on the host, said once for both sides: the portal
refuses them in a run and in a volume's creation (portal/access/dangerous.py), and a host worker
refuses a named volume whose driver options bind a host path, which only the host can see
(workers/operations/kinds.py). Which driver options bind a host path is `host_path_of`, here, so
both judge a volume by one rule.

The words themselves (`option_labels`) live here too, so a compose file is judged by the same rule
(`compose_dangers`): by the portal on the file as written, for a refusal before anything is sent,
and by the host worker on compose's normalized form (`docker compose config`), so that no spelling
gets past it."""

from __future__ import annotations

from typing import Any

__all__ = [
    "DANGEROUS_OPTION",
    "admin_only_sentence",
    "bind_sources",
    "compose_dangers",
    "host_path_of",
    "namespace_label",
    "option_labels",
    "volume_label",
]

# The refusal's code, the same from the API (403) and from a failed operation.
DANGEROUS_OPTION = "dangerous_option"


def admin_only_sentence(options: list[str]) -> str:
    return (
        f"Only an admin of this host may use: {', '.join(options)}. Remove "
        f"{'it' if len(options) == 1 else 'them'} or ask an admin."
    )


def volume_label(name: str, host_path: str) -> str:
    return f"volume {name} (binds host path {host_path})"


def host_path_of(driver: str, options: dict | None) -> str | None:
    """The host path a volume's driver options mount, or None. The `local` driver mounts what
    `device=` names with the `o=` options: `o=bind` binds a host directory, a `device=` path
    (/dev/sda1, /etc) mounts something of the host's; tmpfs and remote devices (nfs `:/export`)
    are not the host's own. Other drivers are plugins whose options mean what they say: not read."""
    if (driver or "local") != "local" or not options:
        return None
    device = str(options.get("device") or "")
    binds = "bind" in (part.strip() for part in str(options.get("o") or "").split(","))
    if binds or device.startswith("/"):
        return device or "(bind without a device)"
    return None


def namespace_label(kind: str, mode: Any) -> str | None:
    """The label for a namespace mode that is not the container's own, or None."""
    mode = str(mode or "").strip()
    if mode.lower() == "host":
        return f"host {kind} namespace" if kind != "network" else "host network"
    if mode.lower().startswith("container:"):
        return f"{kind} namespace of container {mode.split(':', 1)[1]}"
    return None


def bind_sources(volumes: Any) -> list[str]:
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


def option_labels(
    privileged: Any,
    namespaces: dict[str, list[Any]],
    binds: list[str],
    cap_add: Any,
    devices: Any,
    security: Any,
    userns: Any,
) -> list[str]:
    """The labels, in one order, for what a spec, an inspect or a compose service sets."""
    found = ["privileged mode"] if privileged else []
    for kind, modes in namespaces.items():
        labels = [label for mode in modes if (label := namespace_label(kind, mode))]
        found += list(dict.fromkeys(labels))  # network and network_mode may say the same
    found += [f"bind mount of host path {path}" for path in dict.fromkeys(binds)]
    if cap_add:
        found.append("added capabilities (" + ", ".join(map(str, cap_add)) + ")")
    if devices:
        found.append("host devices")
    if security:
        found.append("security options")
    if str(userns or "").lower() == "host":
        found.append("host user namespace")
    return found


def _outside(path: Any, project_dir: str) -> str | None:
    """A file path a compose file makes compose read on the host, when it lies outside the
    project's own folder (absolute elsewhere, or climbing out with ..): or None."""
    if isinstance(path, dict):
        path = path.get("path") or path.get("context") or path.get("file")
    if not isinstance(path, str) or not path or "://" in path or path.startswith("git@"):
        return None  # a remote build context is not a host file
    if project_dir and (path == project_dir or path.startswith(project_dir.rstrip("/") + "/")):
        return None if ".." not in path.split("/") else path
    if path.startswith(("/", "~")) or ".." in path.split("/"):
        return path
    return None


def _host_files(name: str, service: dict, project_dir: str) -> list[str]:
    files = service.get("env_file")
    files = files if isinstance(files, list) else [files]
    build = service.get("build")
    extends = service.get("extends")
    paths = [*files, build, extends.get("file") if isinstance(extends, dict) else None]
    return [f"host file {found} (service {name})" for path in paths if (found := _outside(path, project_dir))]


def compose_dangers(config: Any, project_dir: str = "") -> list[str]:
    """What a compose file (parsed, or compose's normalized `config` form) sets that amounts to
    root on the host: per service in the run form's words, prefixed with the service's name, each
    top-level volume whose driver options bind a host path, and files outside the project's folder
    (`project_dir`; every absolute path when empty) that compose would read on the host (env files,
    build contexts, extends, included files, configs and secrets)."""
    if not isinstance(config, dict):
        return []
    found = []
    services = config.get("services")
    for name, service in sorted((services or {}).items()) if isinstance(services, dict) else []:
        if not isinstance(service, dict):
            continue
        namespaces = {
            "network": [service.get("network_mode")],
            "PID": [service.get("pid")],
            "IPC": [service.get("ipc")],
        }
        volumes = service.get("volumes") if isinstance(service.get("volumes"), list) else []
        labels = option_labels(
            service.get("privileged") not in (None, False, "false", "False", 0),
            namespaces,
            bind_sources(volumes),
            service.get("cap_add"),
            service.get("devices"),
            service.get("security_opt"),
            service.get("userns_mode"),
        )
        found += [f"{label} (service {name})" for label in labels]
        found += _host_files(name, service, project_dir)
    for kind in ("configs", "secrets"):
        entries = config.get(kind)
        for name, entry in sorted(entries.items()) if isinstance(entries, dict) else []:
            if isinstance(entry, dict) and (path := _outside(entry.get("file"), project_dir)):
                found.append(f"host file {path} ({kind[:-1]} {name})")
    includes = config.get("include")
    for entry in includes if isinstance(includes, list) else []:
        for path in entry.get("path", []) if isinstance(entry, dict) else [entry]:
            if path := _outside(path, project_dir):
                found.append(f"host file {path} (include)")
    volumes = config.get("volumes")
    for name, volume in sorted(volumes.items()) if isinstance(volumes, dict) else []:
        options = volume.get("driver_opts") if isinstance(volume, dict) else None
        if isinstance(options, dict) and (path := host_path_of(str(volume.get("driver") or "local"), options)):
            found.append(volume_label(str(name), path))
    return found
