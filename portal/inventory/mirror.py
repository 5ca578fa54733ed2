"""Applying one report's records of one kind (containers or images) to a host's rows, by version.

The rules, which make the result the same whatever order reports arrive in:
- an upsert applies when its version is at least the row's, and brings a tombstone back;
- a removal applies only when its version is newer than the row's; one for an object never
  seen leaves a bare tombstone, so that the object's late creation cannot bring it to life;
- a snapshot removes every live row it does not list whose version is older than its own.
  Listed rows keep their versions: a listing says the object exists, not what it is like.

Everything is done in a handful of queries however many objects the report carries. The
caller holds the host's row lock, so no two reports for one host are applied at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connections, router

from portal.hosts.models import Host
from portal.inventory.models import MirroredModel

__all__ = ["MirrorResult", "mirror"]

BOOKKEEPING_FIELDS = ["version", "removed_at", "removed_by", "updated_at"]


@dataclass
class MirrorResult:
    """Primary keys of rows this report created (or brought back), changed and removed, and the
    rows its upserts applied to (changed or not), by engine id."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    applied: dict[str, MirroredModel] = field(default_factory=dict)
    # Listed by a snapshot, yet unknown here (a report that never arrived): the worker must resend.
    missing: list[str] = field(default_factory=list)


def _existing_rows(host: Host, model: type[MirroredModel], engine_ids: set[str] | None) -> dict[str, MirroredModel]:
    rows = model.objects.filter(host=host).defer(*model.lazy_fields)
    if engine_ids is not None:
        rows = rows.filter(engine_id__in=engine_ids)
    found = {}
    for row in rows:
        row.host = host  # the caller's host: serializing a row needs no query for it
        found[row.engine_id] = row
    return found


def _load_lazy_fields(model: type[MirroredModel], rows: list[MirroredModel]) -> None:
    """Read the lazy fields of rows about to be compared with new values, in one query."""
    if not rows or not model.lazy_fields:
        return
    by_pk = {row.pk: row for row in rows}
    for pk, *values in model.objects.filter(pk__in=by_pk).values_list("pk", *model.lazy_fields):
        for name, value in zip(model.lazy_fields, values, strict=True):
            setattr(by_pk[pk], name, value)


def _write_rows(model: type[MirroredModel], rows: list[MirroredModel], names: list[str]) -> None:
    """One UPDATE per row, sent as a single executemany: Django's bulk_update builds a CASE per
    field and row, which takes seconds of Python for a thousand rows."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Table and column names come from the model, never from a report.
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    params = [[field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields] for row in rows]
    for row, row_params in zip(rows, params, strict=True):
        row_params.append(row.pk)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def mirror(
    host: Host,
    model: type[MirroredModel],
    version: int,
    upserts: dict[str, dict],
    removed_ids: Iterable[str],
    listed_ids: frozenset[str] | None,
    now: datetime,
) -> MirrorResult:
    """Apply `upserts` (engine id -> the fields its record carries), removals and, when the
    report ends a snapshot, `listed_ids`. An id both upserted and removed ends removed."""
    removed_ids = set(removed_ids)
    upserts = {engine_id: fields for engine_id, fields in upserts.items() if engine_id not in removed_ids}
    wanted = None if listed_ids is not None else set(upserts) | removed_ids
    rows = _existing_rows(host, model, wanted)
    result = MirrorResult()

    to_compare = [
        row
        for engine_id, row in rows.items()
        if engine_id in upserts
        and version >= row.version
        and any(name in upserts[engine_id] for name in model.lazy_fields)
    ]
    _load_lazy_fields(model, to_compare)

    to_create: list[MirroredModel] = []
    to_update: dict[tuple[str, ...], list[MirroredModel]] = defaultdict(list)
    bumped: list[int] = []  # rows whose data stands, at a newer version

    for engine_id, fields in upserts.items():
        row = rows.get(engine_id)
        if row is None:
            row = model(host=host, engine_id=engine_id, version=version, **fields)
            to_create.append(row)
            result.applied[engine_id] = row
            continue
        if version < row.version:
            continue  # a newer report already spoke for this object
        revived = row.is_removed
        changed = [name for name, value in fields.items() if getattr(row, name) != value]
        result.applied[engine_id] = row
        if revived or changed:
            for name in changed:
                setattr(row, name, fields[name])
            row.version, row.removed_at, row.removed_by, row.updated_at = version, None, "", now
            to_update[tuple(sorted(fields))].append(row)
            (result.created if revived else result.updated).append(row.pk)
        elif version > row.version:
            row.version = version
            bumped.append(row.pk)

    newly_removed: list[MirroredModel] = []
    for engine_id in removed_ids:
        row = rows.get(engine_id)
        if row is None:
            to_create.append(model(host=host, engine_id=engine_id, version=version, removed_at=now))
        elif version > row.version:
            if row.is_removed:
                bumped.append(row.pk)  # removed already: only the newer version counts
            else:
                newly_removed.append(row)

    if listed_ids is not None:
        result.missing = sorted(
            engine_id
            for engine_id in listed_ids
            if engine_id not in upserts
            and ((row := rows.get(engine_id)) is None or (row.is_removed and row.version < version))
        )
        newly_removed.extend(
            row
            for engine_id, row in rows.items()
            if engine_id not in listed_ids
            and engine_id not in upserts
            and engine_id not in removed_ids
            and not row.is_removed
            and row.version < version
        )

    if to_create:
        model.objects.bulk_create(to_create)
        result.created.extend(row.pk for row in to_create if not row.is_removed)
    for names, changed_rows in to_update.items():
        _write_rows(model, changed_rows, [*names, *BOOKKEEPING_FIELDS])
    if bumped:
        model.objects.filter(pk__in=bumped).update(version=version)
    if newly_removed:
        model.objects.filter(pk__in=[row.pk for row in newly_removed]).update(
            version=version, removed_at=now, updated_at=now
        )
        for row in newly_removed:
            row.version, row.removed_at, row.updated_at = version, now, now
            result.removed.append(row.pk)
    return result
