"""A stack's services and state, read from the mirrored containers' compose labels: the engine is
the truth for what runs, so a container started, stopped or removed with the CLI shows at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from portal.containers.models import Container
from wire.stacks import ONEOFF_LABEL, PROJECT_LABEL, SERVICE_LABEL

__all__ = ["StackState", "compose_containers", "services_of", "state_of"]


class StackState:
    RUNNING = "running"
    PARTLY = "partly"
    STOPPED = "stopped"
    DOWN = "down"


def compose_containers(host_ids: Iterable[int], projects: Iterable[str] | None = None) -> dict:
    """{(host id, project): [container, …]} for the live compose containers of those hosts."""
    rows = (
        Container.objects.live()
        .filter(host_id__in=list(host_ids), labels__has_key=PROJECT_LABEL)
        .only("pk", "host_id", "name", "state", "image", "labels", "health", "engine_id")
        .order_by("name")
    )
    # Projects are picked here, not in SQL: SQLite's JSON lookups read a key's text oddly.
    wanted = set(projects) if projects is not None else None
    grouped: dict[tuple[int, str], list] = defaultdict(list)
    for container in rows:
        labels = container.labels or {}
        if str(labels.get(ONEOFF_LABEL, "False")).lower() == "true":
            continue  # `compose run` containers are not the project's services
        project = str(labels.get(PROJECT_LABEL, ""))
        if wanted is None or project in wanted:
            grouped[(container.host_id, project)].append(container)
    return grouped


def services_of(containers: list, config: dict | None) -> list[dict]:
    """Each service (those of the deployed file, and any a container names) with its image, its
    containers and its state."""
    declared = (config or {}).get("services") or {}
    by_service: dict[str, list] = defaultdict(list)
    for container in containers:
        by_service[(container.labels or {}).get(SERVICE_LABEL, "")].append(container)
    services = []
    for name in sorted(set(declared) | set(by_service)):
        mine = by_service.get(name, [])
        image = (declared.get(name) or {}).get("image") or (mine[0].image if mine else "")
        services.append(
            {
                "name": name,
                "image": image,
                "state": state_of(mine),
                "containers": [
                    {"id": c.pk, "name": c.name, "state": c.state, "health": c.health, "engine_id": c.engine_id}
                    for c in mine
                ],
            }
        )
    return services


def state_of(containers: list) -> str:
    if not containers:
        return StackState.DOWN
    running = sum(1 for c in containers if c.state == "running")
    if running == len(containers):
        return StackState.RUNNING
    return StackState.PARTLY if running else StackState.STOPPED
