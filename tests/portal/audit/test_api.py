"""GET /api/v1/audit/: who reads which events, the filters, and that events cannot be written."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.audit.models import AuditEvent
from tests.portal.audit.factories import make_event, make_user_with
from tests.portal.factories import make_binding, make_superuser, make_team, make_user

pytestmark = pytest.mark.django_db

AUDIT_URL = "/api/v1/audit/"
JAN_1 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def actions_and_hosts(response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.content
    return [(event["action"], event["host_name"]) for event in response.json()["results"]]


@pytest.fixture
def trail(web_1, web_2):
    """An event on web-1, one on web-2 and one on no host (a login), oldest first."""
    return [
        make_event("host.change", host=web_1, at=JAN_1),
        make_event("host.change", host=web_2, at=JAN_1 + timedelta(minutes=1)),
        make_event("login", at=JAN_1 + timedelta(minutes=2), username="ada"),
    ]


# --- who reads what -------------------------------------------------------------------------------


def test_without_credentials_the_trail_is_a_401(api, trail):
    assert api.get(AUDIT_URL).status_code == 401


@pytest.mark.parametrize(
    ("role", "on_all_hosts"),
    [(None, False), ("viewer", False), ("developer", True), ("viewer", True)],
    ids=["no role", "viewer of web-1", "developer of all hosts", "viewer of all hosts"],
)
def test_given_no_admin_role_when_reading_the_trail_then_it_is_a_403(api, trail, web_1, role, on_all_hosts):
    user = make_user_with(role, *([] if on_all_hosts else [web_1]), all_hosts=on_all_hosts)
    api.force_authenticate(user)

    response = api.get(AUDIT_URL)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert api.get(f"{AUDIT_URL}{trail[0].pk}/").status_code == 403
    assert api.get(f"{AUDIT_URL}export/").status_code == 403


def test_given_an_admin_of_web_1_when_listing_then_only_web_1s_events_show(api, trail, web_1):
    api.force_authenticate(make_user_with("admin", web_1))

    response = api.get(AUDIT_URL)

    assert actions_and_hosts(response) == [("host.change", "web-1")]


def test_given_an_admin_of_web_1_then_web_2s_and_host_less_events_are_404s(api, trail, web_1):
    on_web_1, on_web_2, on_no_host = trail
    api.force_authenticate(make_user_with("admin", web_1))

    assert api.get(f"{AUDIT_URL}{on_web_1.pk}/").status_code == 200
    assert api.get(f"{AUDIT_URL}{on_web_2.pk}/").status_code == 404
    assert api.get(f"{AUDIT_URL}{on_no_host.pk}/").status_code == 404


def test_given_an_admin_of_web_1_and_a_viewer_of_all_hosts_then_only_web_1s_events_show(api, trail, web_1):
    user = make_user_with("admin", web_1)
    make_binding(make_team(user), "viewer", all_hosts=True)
    api.force_authenticate(user)

    assert actions_and_hosts(api.get(AUDIT_URL)) == [("host.change", "web-1")]


@pytest.mark.parametrize("who", ["admin of all hosts", "superuser"])
def test_given_an_admin_of_all_hosts_when_listing_then_every_event_shows_newest_first(api, trail, who):
    api.force_authenticate(make_user_with("admin", all_hosts=True) if who != "superuser" else make_superuser())

    response = api.get(AUDIT_URL)

    assert actions_and_hosts(response) == [("login", ""), ("host.change", "web-2"), ("host.change", "web-1")]


def test_an_event_reads_as_recorded(as_admin, web_1):
    user = make_user("ada")
    event = make_event(
        "host.change",
        host=web_1,
        user=user,
        at=JAN_1,
        target_type="host",
        target_id=str(web_1.pk),
        target_repr="web-1",
        source_ip="10.0.0.7",
        detail={"changed": {"name": {"from": "web-1", "to": "web-one"}}},
    )

    body = as_admin.get(f"{AUDIT_URL}{event.pk}/").json()

    assert body == {
        "id": event.pk,
        "created_at": "2030-01-01T12:00:00Z",
        "user": user.pk,
        "username": "ada",
        "action": "host.change",
        "outcome": "success",
        "target_type": "host",
        "target_id": str(web_1.pk),
        "target_repr": "web-1",
        "host": web_1.pk,
        "host_name": "web-1",
        "source_ip": "10.0.0.7",
        "detail": {"changed": {"name": {"from": "web-1", "to": "web-one"}}},
    }


def test_the_list_is_paginated(as_admin):
    for number in range(5):
        make_event(f"thing.{number}")

    body = as_admin.get(AUDIT_URL, {"page_size": 2, "page": 2}).json()

    assert body["count"] == 5
    assert [e["action"] for e in body["results"]] == ["thing.2", "thing.1"]
    assert body["next"] and body["previous"]


@pytest.mark.parametrize("events", [1, 30])
def test_listing_takes_the_same_queries_however_many_events_there_are(api, django_assert_num_queries, web_1, events):
    for _ in range(events):
        make_event("host.change", host=web_1, user=make_user())
    api.force_authenticate(make_user_with("admin", web_1))

    with django_assert_num_queries(4):  # the user's role bindings (2), count, page
        response = api.get(AUDIT_URL)

    assert response.json()["count"] == events


# --- filters --------------------------------------------------------------------------------------


def listed(client, **params) -> list[str]:
    response = client.get(AUDIT_URL, params)
    assert response.status_code == 200, response.content
    return [event["action"] for event in response.json()["results"]]


def test_filtering_by_user_id_or_username(as_admin):
    ada, bob = make_user("ada"), make_user("bob")
    make_event("host.change", user=ada)
    make_event("host.delete", user=bob)

    assert listed(as_admin, user=ada.pk) == ["host.change"]
    assert listed(as_admin, user="bob") == ["host.delete"]
    assert listed(as_admin, user="carol") == []


def test_filtering_by_username_finds_failed_logins_of_no_user(as_admin):
    make_event("login", username="ada", outcome="failure")
    make_event("login", username="bob", outcome="failure")

    assert listed(as_admin, user="ada") == ["login"]


def test_filtering_by_exact_action_or_prefix(as_admin):
    for action in ("team.create", "team.member.add", "teams.other", "host.change"):
        make_event(action)

    assert listed(as_admin, action="team.create") == ["team.create"]
    assert listed(as_admin, action="team.") == ["team.member.add", "team.create"]
    assert listed(as_admin, action="team.*") == ["team.member.add", "team.create"]
    assert listed(as_admin, action="team") == []


def test_filtering_by_host_id_or_slug(as_admin, web_1, web_2):
    make_event("host.change", host=web_1)
    make_event("host.delete", host=web_2)

    assert listed(as_admin, host=web_1.pk) == ["host.change"]
    assert listed(as_admin, host="web-2") == ["host.delete"]


def test_filtering_by_outcome(as_admin):
    make_event("host.change", outcome="success")
    make_event("host.delete", outcome="denied")

    assert listed(as_admin, outcome="denied") == ["host.delete"]
    assert listed(as_admin, outcome="DENIED") == ["host.delete"]


def test_filtering_by_period(as_admin):
    make_event("before", at=JAN_1 - timedelta(seconds=1))
    make_event("start", at=JAN_1)
    make_event("end", at=JAN_1 + timedelta(hours=1))
    make_event("after", at=JAN_1 + timedelta(hours=1, seconds=1))

    assert listed(as_admin, since="2030-01-01T12:00:00Z", until="2030-01-01T13:00:00Z") == ["end", "start"]
    # An offset sent with an unescaped "+" arrives as a space, and still means the offset.
    assert listed(as_admin, since="2030-01-01T14:00:00+02:00", until="2030-01-01T15:00:00 02:00") == ["end", "start"]
    assert listed(as_admin, since="2030-01-01T13:00:00.5Z") == ["after"]


def test_a_bare_until_date_includes_that_whole_day(as_admin):
    make_event("late on the 1st", at=datetime(2030, 1, 1, 23, 59, 59, tzinfo=UTC))
    make_event("on the 2nd", at=datetime(2030, 1, 2, 0, 0, 0, tzinfo=UTC))

    assert listed(as_admin, since="2030-01-01", until="2030-01-01") == ["late on the 1st"]
    assert listed(as_admin, since="2030-01-02") == ["on the 2nd"]


def test_a_time_without_an_offset_is_in_berths_time_zone(as_admin, settings):
    settings.TIME_ZONE = "Europe/Paris"  # UTC+1 in January
    make_event("noon utc", at=JAN_1)

    assert listed(as_admin, since="2030-01-01T13:00") == ["noon utc"]
    assert listed(as_admin, since="2030-01-01T13:01") == []


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"since": "yesterday"}, "since: 'yesterday' is not a date or time; use ISO 8601"),
        ({"until": "2030-02-30"}, "until: '2030-02-30' is not a date or time"),
        ({"since": "2030-01-01T25:00"}, "since: '2030-01-01T25:00' is not a date or time"),
        ({"outcome": "maybe"}, "outcome: 'maybe' is not an outcome; use success, failure or denied."),
        ({"since": "2030-01-02", "until": "2030-01-01T12:00Z"}, "until: The end of the period comes before its start."),
    ],
)
def test_a_bad_filter_is_a_400_with_a_sentence(as_admin, params, detail):
    make_event("login")

    response = as_admin.get(AUDIT_URL, params)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith(detail)
    assert body["code"] == "invalid"
    assert as_admin.get(f"{AUDIT_URL}export/", params).status_code == 400


# --- nothing is written through the API -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "on_event"),
    [("post", False), ("put", True), ("patch", True), ("delete", True), ("post", True)],
)
def test_events_cannot_be_created_changed_or_deleted_through_the_api(as_admin, method, on_event):
    event = make_event("login", username="ada")
    url = f"{AUDIT_URL}{event.pk}/" if on_event else AUDIT_URL

    response = getattr(as_admin, method)(url, {"action": "nothing", "username": "mallory"}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert list(AuditEvent.objects.values_list("action", "username")) == [("login", "ada")]
