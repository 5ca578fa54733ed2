"""What a network action checks before anything is sent, from the mirror of the host: a name in
use, a subnet that overlaps another network's, a driver the engine does not have, a network
with containers still on it, an address outside the network or taken. Each is a refusal with a
sentence and a code, so nothing is sent that the engine would refuse half-way."""

from __future__ import annotations

import ipaddress

from portal.networks.models import Network
from portal.refusals import Conflict, Refusal

__all__ = [
    "BUILTIN_DRIVERS",
    "address_usable",
    "driver_known",
    "name_free",
    "removable",
    "subnet_free",
]

# The network drivers every engine has that a network can be created with (host and null are
# the engine's own single networks).
BUILTIN_DRIVERS = ("bridge", "overlay", "macvlan", "ipvlan")


def name_free(host_id: int, name: str) -> None:
    if Network.objects.live().filter(host_id=host_id, name=name).exists():
        raise Conflict(f"A network named {name} already exists on this host: choose another name.", "name_in_use")


def driver_known(host_id: int, driver: str) -> None:
    """Built-in drivers, and plugins the host's networks already use, are the ones it has."""
    if driver in BUILTIN_DRIVERS:
        return
    used = set(Network.objects.live().filter(host_id=host_id).values_list("driver", flat=True))
    if driver not in used:
        known = ", ".join(sorted(set(BUILTIN_DRIVERS) | used - {"host", "null"}))
        raise Refusal(f"This host's engine has no network driver {driver}: choose one of {known}.", "unknown_driver")


def _parsed(subnets: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The subnets an engine reported, leaving out any it wrote oddly."""
    parsed = []
    for text in subnets:
        try:
            parsed.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            continue
    return parsed


def subnet_free(host_id: int, subnet: ipaddress.IPv4Network | ipaddress.IPv6Network) -> None:
    for network in Network.objects.live().filter(host_id=host_id).only("name", "ipam"):
        for theirs in _parsed(network.subnets):
            if theirs.version == subnet.version and theirs.overlaps(subnet):
                raise Conflict(
                    f"The subnet {subnet} overlaps {theirs} of network {network.name} on this host: choose another.",
                    "subnet_overlap",
                )


def removable(network: Network) -> None:
    if network.is_removed:
        raise Conflict(f"Network {network.name} was removed.", "removed")
    if network.predefined:
        raise Conflict(f"Network {network.name} is the engine's own: it cannot be removed.", "predefined")
    if active := network.active_endpoints:
        raise Conflict(
            f"Network {network.name} has containers connected ({', '.join(active)}): disconnect them first.",
            "active_endpoints",
        )


def address_usable(network: Network, address: ipaddress.IPv4Address) -> None:
    """A static address must lie in one of the network's own subnets, and be nobody's yet."""
    if not any(address in subnet for subnet in _parsed(network.subnets) if subnet.version == 4):
        within = ", ".join(network.subnets) or "none configured"
        raise Refusal(
            f"Address {address} is not in a subnet of network {network.name} ({within}): choose one that is.",
            "invalid_address",
        )
    for entry in network.containers or []:
        if str(entry.get("ipv4_address") or "").split("/")[0] == str(address):
            raise Conflict(f"Address {address} is taken by container {entry.get('name')}.", "address_in_use")
