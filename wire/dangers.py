"""The words for options that amount to root on the host, said once for both sides: the portal
refuses them in a run and in a volume's creation (portal/access/dangerous.py), and a host worker
refuses a named volume whose driver options bind a host path, which only the host can see
(workers/operations/kinds.py). Which driver options bind a host path is `host_path_of`, here, so
both judge a volume by one rule."""

from __future__ import annotations

__all__ = ["DANGEROUS_OPTION", "admin_only_sentence", "host_path_of", "volume_label"]

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
