"""GET /api/v1/audit/export/: the same filtered rows as the list, as CSV, streamed and safe to open
in a spreadsheet."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.test import AsyncClient

from portal.audit import export
from tests.portal.audit.factories import make_event, make_user_with
from tests.portal.factories import make_superuser, make_user
from tests.portal.ws.sockets import run_async

pytestmark = pytest.mark.django_db

EXPORT_URL = "/api/v1/audit/export/"
JAN_1 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
HEADER = [
    "time",
    "user",
    "user_id",
    "action",
    "outcome",
    "target_type",
    "target_id",
    "target",
    "host",
    "host_id",
    "source_ip",
    "detail",
]


def rows_of(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    table = list(csv.reader(io.StringIO(body)))
    assert table[0] == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in table[1:]]


def test_given_events_when_exporting_then_the_csv_has_one_row_each_newest_first(as_admin, web_1):
    ada = make_user("ada")
    make_event("login", user=ada, at=JAN_1, source_ip="10.0.0.7")
    make_event(
        "host.change",
        user=ada,
        host=web_1,
        at=JAN_1.replace(minute=5),
        target_type="host",
        target_id=str(web_1.pk),
        target_repr="web-1",
        detail={"changed": {"name": {"from": "web-1", "to": "web one"}}},
    )

    response = as_admin.get(EXPORT_URL)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="berth-audit-')
    assert response["Content-Disposition"].endswith('.csv"')
    changed, login = rows_of(response)
    assert changed == {
        "time": "2030-01-01T12:05:00+00:00",
        "user": "ada",
        "user_id": str(ada.pk),
        "action": "host.change",
        "outcome": "success",
        "target_type": "host",
        "target_id": str(web_1.pk),
        "target": "web-1",
        "host": "web-1",
        "host_id": str(web_1.pk),
        "source_ip": "",
        "detail": '{"changed": {"name": {"from": "web-1", "to": "web one"}}}',
    }
    assert (login["action"], login["source_ip"], login["host"], login["detail"]) == ("login", "10.0.0.7", "", "")


def test_the_export_keeps_the_lists_filters(as_admin, web_1, web_2):
    make_event("host.change", host=web_1, outcome="denied")
    make_event("host.change", host=web_2, outcome="denied")
    make_event("host.delete", host=web_1)

    rows = rows_of(as_admin.get(EXPORT_URL, {"host": web_1.pk, "outcome": "denied"}))

    assert [(r["action"], r["host"], r["outcome"]) for r in rows] == [("host.change", "web-1", "denied")]


def test_an_admin_of_web_1_exports_only_web_1s_events(api, web_1, web_2):
    make_event("host.change", host=web_1)
    make_event("host.change", host=web_2)
    make_event("login")
    api.force_authenticate(make_user_with("admin", web_1))

    assert [r["host"] for r in rows_of(api.get(EXPORT_URL))] == ["web-1"]


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1:A2)", "\tx", "\rx"])
def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted(as_admin, formula):
    make_event(formula, username=formula, target_repr=formula, detail={})

    [row] = rows_of(as_admin.get(EXPORT_URL))

    assert row["user"] == row["action"] == row["target"] == "'" + formula


def test_harmless_cells_are_left_alone(as_admin):
    make_event("login", username="ada-lovelace", target_repr="a=b", detail={"note": "=not at the start"})

    [row] = rows_of(as_admin.get(EXPORT_URL))

    assert (row["user"], row["target"], row["detail"]) == ("ada-lovelace", "a=b", '{"note": "=not at the start"}')


def test_rows_are_read_and_sent_in_chunks_not_all_at_once(as_admin, monkeypatch):
    monkeypatch.setattr(export, "CHUNK_ROWS", 2)
    for number in range(5):
        make_event(f"thing.{number}")

    chunks = list(as_admin.get(EXPORT_URL).streaming_content)

    # The header, then the rows two by two as they are read from the database
    assert [len(rows_of_text(chunk)) for chunk in chunks] == [0, 2, 2, 1]
    assert chunks[0].decode().startswith("time,user,")


def rows_of_text(body: bytes) -> list[list[str]]:
    """The data rows of a stretch of CSV (a header row, if there, left out)."""
    return [row for row in csv.reader(io.StringIO(body.decode())) if row != HEADER]


@run_async
async def test_under_the_asgi_server_the_rows_are_streamed_asynchronously():
    from asgiref.sync import sync_to_async

    admin = await sync_to_async(make_superuser)()
    for number in range(3):
        await sync_to_async(make_event)(f"thing.{number}")
    client = AsyncClient()
    await sync_to_async(client.force_login)(admin)

    response = await client.get(EXPORT_URL, {"action": "thing."})

    assert response.status_code == 200
    assert response.is_async
    body = b"".join([chunk async for chunk in response.streaming_content])
    assert [row[3] for row in rows_of_text(body)] == ["thing.2", "thing.1", "thing.0"]
