"""A list's page read as plain rows rather than models, for the lists that write their rows by
hand (containers, networks, volumes): `values_list` of the columns the list shows, each row an object with
the attributes its serializer reads of a model — `pk`, each column by its attribute name, and
`host`, a row of the host's columns the list reads with Host's `current_status` (one per host on
the page).
Building a model per row (its __init__ with deferred fields, select_related's host) was a third of
the page's time (bench/containers_list.py --profile); a row is a fraction of it.
"""

from __future__ import annotations

from django.db.models import QuerySet

from portal.hosts.models import Host

__all__ = ["CountedRows", "HostRow", "ListRow", "RowsListMixin", "page_rows", "row_columns"]


class ListRow:
    """One row of a list, read with values_list: what its serializer reads of a model. A list
    whose serializer reads a property of the model gives it to a subclass (the property reads
    the row's columns as it reads a model's)."""

    __slots__ = ("__dict__",)

    def __repr__(self) -> str:
        return f"<ListRow {self.__dict__.get('pk')}>"


class HostRow(ListRow):
    """The host of a list's rows: the columns the list reads of it, and how Host judges them."""

    __slots__ = ()
    current_status = Host.current_status
    heartbeat_overdue = Host.heartbeat_overdue


def row_columns(queryset: QuerySet, columns: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The `values_list` columns for `columns` (the `.only()` form: fields, `host__<column>`), the
    attribute name of each row column, and the host's columns."""
    meta = queryset.model._meta
    own = [column for column in columns if not column.startswith("host__")]
    host = [column.removeprefix("host__") for column in columns if column.startswith("host__")]
    names = ["pk" if column in ("id", "pk") else meta.get_field(column).attname for column in own]
    if "host_id" not in names:
        own, names = [*own, "host_id"], [*names, "host_id"]
    return [*own, *(f"host__{column}" for column in host)], names, host


def page_rows(values: list[tuple], names: list[str], host_columns: list[str], row_class=ListRow) -> list[ListRow]:
    """Rows from `values_list` tuples of `row_columns`' columns."""
    hosts: dict[int, HostRow] = {}
    width = len(names)
    rows = []
    for value in values:
        row = row_class()
        row.__dict__.update(zip(names, value[:width], strict=True))
        host_id = row.host_id
        if (host := hosts.get(host_id)) is None:
            host = hosts[host_id] = HostRow()
            host.__dict__.update(zip(host_columns, value[width:], strict=True), pk=host_id, id=host_id)
        row.host = host
        rows.append(row)
    return rows


class CountedRows:
    """A list's `values_list` rows for the paginator, counted on the list's own queryset: a count
    of the rows would join the host table for the host's columns they read (at 10,000 containers
    that join was most of the count's 3.5 ms; without it the count reads a live index alone)."""

    def __init__(self, queryset: QuerySet, columns: list[str]):
        self.queryset = queryset
        self.rows = queryset.values_list(*columns)
        self.ordered = self.rows.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        return self.rows[index]


class RowsListMixin:
    """A viewset's `list` reading its page as plain rows of `list_columns` (its serializer then
    writes them as it writes models)."""

    list_columns: list[str] = []
    row_class: type[ListRow] = ListRow

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        columns, names, host_columns = row_columns(queryset, self.list_columns)
        page = self.paginate_queryset(CountedRows(queryset, columns))
        rows = page_rows(page, names, host_columns, self.row_class)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
