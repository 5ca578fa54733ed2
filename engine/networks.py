"""Networks as the engine knows them: listed as records (with the containers on each and their
addresses), created, removed, pruned, and containers connected and disconnected."""

from __future__ import annotations

from typing import Any

from docker.types import IPAMConfig, IPAMPool

from engine.client import Engine
from engine.inventory import iso_time, text_dict
from wire.records import NetworkRecord

__all__ = [
    "PREDEFINED_NETWORKS",
    "connect_container",
    "create_network",
    "disconnect_container",
    "list_networks",
    "network_from_list",
    "network_users",
    "prune_networks",
    "remove_network",
]

# The engine's own networks: never created or removed by anyone.
PREDEFINED_NETWORKS = frozenset({"bridge", "host", "none"})


def network_users(containers: list[dict]) -> dict[str, list[dict]]:
    """Network id -> the containers (from `GET /containers/json?all=1`) that name it, with their
    addresses (empty while a container is not running)."""
    users: dict[str, list[dict]] = {}
    for item in containers:
        name = str(((item.get("Names") or [""])[0]) or "").lstrip("/")
        networks = (item.get("NetworkSettings") or {}).get("Networks") or {}
        for endpoint in networks.values():
            if not isinstance(endpoint, dict) or not endpoint.get("NetworkID"):
                continue
            ipv4, prefix = str(endpoint.get("IPAddress") or ""), endpoint.get("IPPrefixLen")
            users.setdefault(str(endpoint["NetworkID"]), []).append(
                {
                    "engine_id": str(item.get("Id") or ""),
                    "name": name,
                    "ipv4_address": f"{ipv4}/{prefix}" if ipv4 and prefix else ipv4,
                    "ipv6_address": str(endpoint.get("GlobalIPv6Address") or ""),
                    "mac_address": str(endpoint.get("MacAddress") or ""),
                }
            )
    return users


def _pools(ipam: Any) -> list[dict]:
    configs = (ipam or {}).get("Config") if isinstance(ipam, dict) else None
    return [
        {
            "subnet": str(pool.get("Subnet") or ""),
            "gateway": str(pool.get("Gateway") or ""),
            "ip_range": str(pool.get("IPRange") or ""),
        }
        for pool in configs or []
        if isinstance(pool, dict)
    ]


def network_from_list(item: dict, users: list[dict]) -> NetworkRecord:
    """From one entry of `GET /networks` (which lists no containers: `users` says who is on it)."""
    return NetworkRecord(
        engine_id=str(item.get("Id") or ""),
        name=str(item.get("Name") or ""),
        driver=str(item.get("Driver") or ""),
        scope=str(item.get("Scope") or ""),
        created=iso_time(item.get("Created")),
        internal=bool(item.get("Internal")),
        attachable=bool(item.get("Attachable")),
        ingress=bool(item.get("Ingress")),
        ipv6=bool(item.get("EnableIPv6")),
        ipam=_pools(item.get("IPAM")),
        options=text_dict(item.get("Options")),
        labels=text_dict(item.get("Labels")),
        containers=sorted(users, key=lambda user: user["name"]),
    )


def list_networks(engine: Engine, containers: list[dict]) -> list[NetworkRecord]:
    """Every network, each with the containers of `containers` (the engine's listing) on it."""
    users = network_users(containers)
    return [network_from_list(item, users.get(str(item.get("Id") or ""), [])) for item in engine._call("networks")]


def create_network(engine: Engine, params: dict) -> dict[str, Any]:
    """Create a network from the portal's checked parameters (see portal/networks/api/create.py)."""
    ipam = None
    if params.get("subnet"):
        pool = IPAMPool(
            subnet=params["subnet"], gateway=params.get("gateway") or None, iprange=params.get("ip_range") or None
        )
        ipam = IPAMConfig(pool_configs=[pool])
    name = params["name"]
    answer = (
        engine.act(
            "create_network",
            name,
            driver=params.get("driver") or "bridge",
            options=params.get("options") or None,
            ipam=ipam,
            check_duplicate=True,
            internal=bool(params.get("internal")),
            labels=params.get("labels") or None,
            attachable=bool(params.get("attachable")) or None,
            subject=name,
        )
        or {}
    )
    return {"id": answer.get("Id", ""), "name": name}


def remove_network(engine: Engine, network_id: str, subject: str) -> dict[str, Any]:
    engine.act("remove_network", network_id, subject=subject)
    return {"removed": subject}


def prune_networks(engine: Engine) -> dict[str, Any]:
    """Remove the networks no container uses (the engine's own are never pruned)."""
    answer = engine.act("prune_networks", subject="unused networks") or {}
    return {"deleted": list(answer.get("NetworksDeleted") or [])}


def connect_container(engine: Engine, params: dict) -> dict[str, Any]:
    engine.act(
        "connect_container_to_network",
        params["container_id"],
        params["network_id"],
        aliases=params.get("aliases") or None,
        ipv4_address=params.get("ipv4_address") or None,
        subject=params.get("subject", ""),
    )
    return {"connected": params.get("container", "")}


def disconnect_container(engine: Engine, params: dict) -> dict[str, Any]:
    engine.act(
        "disconnect_container_from_network",
        params["container_id"],
        params["network_id"],
        force=bool(params.get("force")),
        subject=params.get("subject", ""),
    )
    return {"disconnected": params.get("container", "")}
