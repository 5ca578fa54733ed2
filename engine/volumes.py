"""Named volumes as the engine knows them."""

from __future__ import annotations

import docker.errors

from engine.client import Engine
from engine.errors import explain

__all__ = ["host_path_of", "volume_host_path"]


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
