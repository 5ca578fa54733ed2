"""The Audit page (/audit/): who may open it, what it lists, its filters, pages and export link."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.portal.audit.factories import make_event, make_user_with
from tests.portal.factories import make_superuser

pytestmark = pytest.mark.django_db

JAN_1 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown(response) -> list[tuple[str, str]]:
    """(action, host) of each row of the table, in order."""
    assert response.status_code == 200
    return [(event.action, event.host_name) for event in response.context["page"]]


def test_the_page_is_named_audit_list():
    assert reverse("audit-list") == "/audit/"


def test_without_a_login_the_page_sends_to_the_login_page():
    response = Client().get("/audit/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("role", "on_all_hosts"),
    [(None, False), ("viewer", False), ("developer", True)],
    ids=["no role", "viewer of web-1", "developer of all hosts"],
)
def test_given_no_admin_role_the_page_is_a_404(web_1, role, on_all_hosts):
    user = make_user_with(role, *([] if on_all_hosts else [web_1]), all_hosts=on_all_hosts)

    assert client_of(user).get("/audit/").status_code == 404


def test_given_an_admin_of_web_1_the_page_lists_web_1s_events_only(web_1, web_2):
    make_event("host.change", host=web_1)
    make_event("host.change", host=web_2)
    make_event("team.create")
    page = client_of(make_user_with("admin", web_1)).get("/audit/")

    assert shown(page) == [("host.change", "web-1")]
    assert [host.name for host in page.context["hosts"]] == ["web-1"]
    assert b"web-2" not in page.content
    assert b"team.create" not in page.content


def test_given_an_admin_of_all_hosts_the_page_lists_every_event_newest_first(web_1):
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    make_event("host.change", host=web_1, at=long_ago)
    make_event("team.create", at=long_ago + timedelta(minutes=1), username="ada", target_repr="ops team")

    # (until: leaves out the login that logging the test client in records)
    page = client_of(make_superuser()).get("/audit/", {"until": "2020-12-31"})

    assert shown(page) == [("team.create", ""), ("host.change", "web-1")]
    assert b"ops team" in page.content


def test_the_filters_select_rows_and_stay_in_the_form(web_1):
    make_event("host.change", host=web_1, outcome="denied", username="ada", at=JAN_1)
    make_event("host.change", host=web_1, outcome="success", username="ada", at=JAN_1)
    make_event("host.delete", host=web_1, outcome="denied", username="bob", at=JAN_1)
    make_event("host.change", host=web_1, outcome="denied", username="ada", at=JAN_1 + timedelta(days=2))
    filters = {
        "user": "ada",
        "action": "host.",
        "host": str(web_1.pk),
        "outcome": "denied",
        "since": "2030-01-01T00:00",
        "until": "2030-01-01T23:59",
    }

    page = client_of(make_superuser()).get("/audit/", filters)

    assert shown(page) == [("host.change", "web-1")]
    assert page.context["chosen"] == filters
    html = page.content.decode()
    assert 'value="ada"' in html
    assert f'<option value="{web_1.pk}" selected>' in html
    assert '<option value="denied" selected>' in html
    assert 'value="2030-01-01T00:00"' in html


def test_the_export_link_carries_the_filters_but_not_the_page(web_1):
    filters = {"user": "ada", "action": "team.", "host": str(web_1.pk), "outcome": "failure", "since": "2030-01-01"}

    page = client_of(make_superuser()).get("/audit/", {**filters, "page": "2"})

    link = urlsplit(page.context["export_url"])
    assert link.path == "/api/v1/audit/export/"
    assert {name: values[0] for name, values in parse_qs(link.query).items()} == filters
    assert b'id="audit-export"' in page.content


def test_a_bad_filter_is_said_in_a_sentence_and_lists_nothing(web_1):
    make_event("host.change", host=web_1)

    page = client_of(make_superuser()).get("/audit/", {"since": "last tuesday"})

    assert page.status_code == 200
    assert list(page.context["page"]) == []
    assert page.context["problem"].startswith("From: 'last tuesday' is not a date or time")
    assert b'id="audit-problem"' in page.content
    assert b'id="audit-export"' not in page.content


def test_the_page_is_paginated_and_its_links_keep_the_filters():
    for number in range(60):
        make_event("thing.happened", target_id=str(number))
    client = client_of(make_superuser())

    first = client.get("/audit/", {"action": "thing.happened"})
    second = client.get("/audit/", {"action": "thing.happened", "page": 2})

    assert len(first.context["page"]) == 50
    assert len(second.context["page"]) == 10
    assert "?action=thing.happened&amp;page=2" in first.content.decode()
    assert [e.target_id for e in second.context["page"]] == [str(n) for n in range(9, -1, -1)]


@pytest.mark.parametrize("events", [1, 40])
def test_the_page_takes_the_same_queries_however_many_events_there_are(web_1, django_assert_num_queries, events):
    for _ in range(events):
        make_event("host.change", host=web_1, detail={"changed": {"name": {"from": "a", "to": "b"}}})
    client = client_of(make_user_with("admin", web_1))

    # session, user, role bindings (2), count, page of events, hosts, actions
    with django_assert_num_queries(8):
        response = client.get("/audit/")

    assert response.status_code == 200
