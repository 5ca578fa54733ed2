"""What a volume action checks before anything is sent, from the mirror of the host: a name in
use, a driver the engine does not have, a volume containers still use. Each is a refusal with a
sentence and a code."""

from __future__ import annotations

from portal.refusals import Conflict, Refusal
from portal.volumes.models import Volume

__all__ = ["BUILTIN_DRIVERS", "driver_known", "in_use", "name_free", "users_sentence"]

BUILTIN_DRIVERS = ("local",)


def name_free(host_id: int, name: str) -> None:
    # The engine answers a create with an existing name by handing back that volume: refused here.
    if Volume.objects.live().filter(host_id=host_id, engine_id=name).exists():
        raise Conflict(f"A volume named {name} already exists on this host: choose another name.", "name_in_use")


def driver_known(host_id: int, driver: str) -> None:
    """`local`, and plugins the host's volumes already use, are the drivers it has."""
    if driver in BUILTIN_DRIVERS:
        return
    used = set(Volume.objects.live().filter(host_id=host_id).values_list("driver", flat=True))
    if driver not in used:
        known = ", ".join(sorted(set(BUILTIN_DRIVERS) | used))
        raise Refusal(f"This host's engine has no volume driver {driver}: choose one of {known}.", "unknown_driver")


def users_sentence(volume: Volume) -> str:
    return ", ".join(sorted({entry.get("name") or entry.get("engine_id", "")[:12] for entry in volume.containers}))


def in_use(volume: Volume) -> Conflict:
    return Conflict(
        f"Volume {volume.name} is in use by {users_sentence(volume)}: remove "
        f"{'it' if volume.container_count == 1 else 'them'} first, or remove with force to remove "
        f"{'it' if volume.container_count == 1 else 'them'} too.",
        "volume_in_use",
    )
