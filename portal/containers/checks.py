"""What a container action checks on the host before anything is sent: a name or a published
port another container already holds is a 409 with a sentence saying which."""

from __future__ import annotations

from portal.containers.choices import LIVE_STATES
from portal.containers.models import Container
from portal.refusals import Conflict

__all__ = ["name_taken", "ports_taken"]


def name_taken(host_id: int, name: str, but: Container | None = None) -> None:
    others = Container.objects.live().filter(host_id=host_id, name=name)
    if but is not None:
        others = others.exclude(pk=but.pk)
    if others.exists():
        raise Conflict(
            f"The name {name} is already in use by another container on this host: choose another name.", "name_in_use"
        )


def ports_taken(host_id: int, ports: list[dict]) -> None:
    wanted = {(p["host_port"], p["protocol"]) for p in ports if p.get("host_port")}
    if not wanted:
        return
    for container in Container.objects.live().filter(host_id=host_id, state__in=LIVE_STATES).only("name", "ports"):
        for port in container.ports or []:
            if (port.get("public_port"), port.get("type", "tcp")) in wanted:
                raise Conflict(
                    f"Port {port['public_port']}/{port.get('type', 'tcp')} is already allocated on this host "
                    f"(by container {container.name}): choose another host port.",
                    "port_allocated",
                )
