"""Compose projects started outside Berth appear as stacks the moment their containers are
mirrored: after each inventory report, a project a container names that has no stack on its host
becomes one (`external`), with where its labels say its files are; one whose containers are all
gone, and that Berth never managed, goes."""

from __future__ import annotations

from portal.hosts.models import Host
from portal.stacks.models import Stack, StackSource
from portal.stacks.services import compose_containers
from wire.stacks import CONFIG_FILES_LABEL, WORKING_DIR_LABEL

__all__ = ["sync_stacks"]


def sync_stacks(host: Host) -> tuple[list[int], list[int]]:
    """Bring the host's external stacks in line with its containers; answers (created, removed) ids.
    Call inside the transaction that applied the containers."""
    projects = {project: rows for (_, project), rows in compose_containers([host.pk]).items() if project}
    known = {s.name: s for s in Stack.objects.filter(host=host)}
    created = []
    for project, rows in projects.items():
        if project in known:
            continue
        labels = rows[0].labels or {}
        files = [f for f in str(labels.get(CONFIG_FILES_LABEL, "")).split(",") if f]
        stack = Stack.objects.create(
            host=host,
            name=project[:255],
            source=StackSource.EXTERNAL,
            config_files=files,
            working_dir=str(labels.get(WORKING_DIR_LABEL, ""))[:1024],
        )
        created.append(stack.pk)
    gone = [s.pk for name, s in known.items() if s.source == StackSource.EXTERNAL and name not in projects]
    if gone:
        Stack.objects.filter(pk__in=gone).delete()
    return created, gone
