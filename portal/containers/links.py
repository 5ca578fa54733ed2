"""Links from what names containers by engine id (a network's endpoints, a volume's mounts) to
the containers' rows: their Berth ids, for a page or a list of rows, in one query."""

from __future__ import annotations

from collections.abc import Iterable

from portal.containers.models import Container

__all__ = ["ContainerLinksMixin", "container_pks", "linked_entries"]


def container_pks(rows: Iterable) -> dict[tuple[int, str], int]:
    """(host id, engine id) -> the live container's id, for every entry of the rows' `containers`."""
    rows = list(rows)
    engine_ids = {entry.get("engine_id") for row in rows for entry in row.containers or []}
    engine_ids.discard(None)
    if not engine_ids:
        return {}
    found = Container.objects.live().filter(host_id__in={row.host_id for row in rows}, engine_id__in=engine_ids)
    return {(host_id, engine_id): pk for pk, host_id, engine_id in found.values_list("pk", "host_id", "engine_id")}


def linked_entries(row, pks: dict[tuple[int, str], int] | None) -> list[dict]:
    """The row's `containers`, each with `id`: its container's Berth id, or null when unknown."""
    if pks is None:
        pks = container_pks([row])
    return [{**entry, "id": pks.get((row.host_id, entry.get("engine_id")))} for entry in row.containers or []]


class ContainerLinksMixin:
    """For a viewset whose rows name containers: its serializers get `container_pks` for the
    whole page, so linking them costs one query however many rows there are."""

    def get_serializer(self, *args, **kwargs):
        if args and self.action in ("list", "retrieve"):
            rows = args[0] if kwargs.get("many") else [args[0]]
            kwargs["context"] = {**self.get_serializer_context(), "container_pks": container_pks(rows)}
        return super().get_serializer(*args, **kwargs)
