"""What a container action checks before anything is sent: a name or a published port another
container already holds is a 409 with a sentence saying which; a stream (logs, stats, terminal)
needs the container there, its host usable and, mostly, the container running."""

from __future__ import annotations

from channels.db import database_sync_to_async

from portal.containers.choices import LIVE_STATES, ContainerState
from portal.containers.models import Container
from portal.refusals import Conflict, NotFound

__all__ = ["name_taken", "ports_taken", "require_streamable"]


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


async def require_streamable(container: Container, *, running: bool = True) -> None:
    """Refuses unless the container's host is usable (4503) and, when asked, it runs (4409)."""
    host = await database_sync_to_async(lambda: container.host)()
    if container.removed_at is not None:
        raise NotFound("This container was removed.")
    host.require_usable(consequence=None)
    if running and container.state != ContainerState.RUNNING:
        raise Conflict(f"Container {container.name} is not running ({container.state}).")
