"""The alerts API: rules and channels written by team admins through the one policy, secrets
never returned, alerts seen in scope, acknowledged and muted by operators, audited."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from portal.alerts.choices import AlertState, DeliveryState, EventKind
from portal.alerts.models import Alert, AlertChannel, Mute
from portal.audit.models import AuditEvent
from tests.portal.alerts.conftest import make_channel, make_rule
from tests.portal.factories import make_binding, make_team, make_user

pytestmark = pytest.mark.django_db


def client_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def member(role, *hosts, name):
    """A user whose own team holds `role` on `hosts`."""
    user = make_user(name)
    make_binding(make_team(user, name=f"{name}'s team"), role, *hosts)
    return user


def team_admin(team):
    return team.members.get(username="ada")


def firing_alert(team, host, subject="web"):
    now = timezone.now()
    rule = make_rule(team, [EventKind.CONTAINER_EXITED])
    return Alert.objects.create(
        rule=rule,
        rule_name=rule.name,
        team=team,
        host=host,
        kind=EventKind.CONTAINER_EXITED,
        subject=subject,
        title=f"Container {subject} exited with code 1",
        fired_at=now,
        last_fired_at=now,
    )


def test_a_team_admin_writes_a_rule_with_its_channel(team, host_a):
    api = client_for(team_admin(team))
    channel = api.post(
        "/api/v1/alert-channels/",
        {"name": "hook", "team": team.pk, "kind": "webhook", "target": "http://127.0.0.1:9/h", "secret": "Sig-Key-1"},
        format="json",
    )
    assert channel.status_code == 201, channel.content
    assert "secret" not in channel.json() and channel.json()["has_secret"] is True
    assert "Sig-Key-1" not in AlertChannel.objects.get().secret_sealed  # sealed at rest

    body = {
        "name": "web down",
        "team": team.pk,
        "events": ["container.exited", "container.restart_loop"],
        "all_hosts": False,
        "hosts": [host_a.pk],
        "match": {"names": ["web*"]},
        "channels": [channel.json()["id"]],
        "cooldown_seconds": 120,
    }
    rule = api.post("/api/v1/alert-rules/", body, format="json")
    assert rule.status_code == 201, rule.content
    assert rule.json()["hosts"] == [host_a.pk] and rule.json()["channels"] == [channel.json()["id"]]
    changed = api.patch(f"/api/v1/alert-rules/{rule.json()['id']}/", {"cooldown_seconds": 600}, format="json")
    assert changed.status_code == 200 and changed.json()["cooldown_seconds"] == 600
    assert api.delete(f"/api/v1/alert-rules/{rule.json()['id']}/").status_code == 204
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["alert.channel.create", "alert.rule.create", "alert.rule.change", "alert.rule.delete"]
    assert "Sig-Key-1" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_a_chat_webhook_url_is_sealed_and_shown_by_its_host_only(team):
    api = client_for(team_admin(team))
    url = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
    answer = api.post(
        "/api/v1/alert-channels/", {"name": "chat", "team": team.pk, "kind": "slack", "target": url}, format="json"
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["target"] == "https://hooks.slack.com/…"
    assert AlertChannel.objects.get().secret() == url
    assert "XXXXSECRET" not in str(api.get("/api/v1/alert-channels/").json())


def test_a_rule_may_not_reach_hosts_outside_its_team(team, host_a, host_b, as_admin):
    answer = as_admin.post(
        "/api/v1/alert-rules/",
        {"name": "b", "team": team.pk, "events": ["host.offline"], "all_hosts": False, "hosts": [host_b.pk]},
        format="json",
    )
    assert answer.status_code == 400 and "Outside team ops's hosts: host-b" in answer.json()["detail"]


def test_below_admin_a_team_member_may_not_write_its_rules(host_a):
    for role in ("viewer", "operator", "developer"):
        user = member(role, host_a, name=f"{role}-1")
        crew = user.teams.get()
        api = client_for(user)
        assert api.get("/api/v1/alert-rules/").status_code == 200
        answer = api.post(
            "/api/v1/alert-rules/", {"name": "x", "team": crew.pk, "events": ["host.offline"]}, format="json"
        )
        assert answer.status_code == 403, (role, answer.content)
    assert AuditEvent.objects.filter(action="alertrule.manage", outcome="denied").exists()


def test_an_admin_of_another_team_may_not_write_this_teams_rules(team, host_a):
    other_admin = make_user("olga")
    make_binding(make_team(other_admin, name="other"), "admin", host_a)
    answer = client_for(other_admin).post(
        "/api/v1/alert-rules/", {"name": "x", "team": team.pk, "events": ["host.offline"]}, format="json"
    )
    assert answer.status_code == 403


def test_bad_input_is_a_sentence(team, as_admin):
    cases = [
        {"name": "x", "team": team.pk, "events": ["nope"]},
        {"name": "x", "team": team.pk, "events": ["host.offline"], "match": {"names": "web"}},
        {"name": "x", "team": team.pk, "events": ["host.offline"], "match": {"colour": ["red"]}},
        {"name": "x", "team": team.pk, "events": ["host.offline"], "mute_windows": [{"start": "x", "end": "y"}]},
        {"name": "x", "team": team.pk, "events": ["host.offline"], "all_hosts": False},
        {"name": "x", "team": 99999, "events": ["host.offline"]},
    ]
    for body in cases:
        answer = as_admin.post("/api/v1/alert-rules/", body, format="json")
        assert answer.status_code == 400, (body, answer.content)
        assert answer.json()["detail"] and answer.json()["code"]


def test_send_a_test_to_a_real_receiver(team, receiver):
    channel = make_channel(team, target=receiver.url())
    api = client_for(team_admin(team))

    answer = api.post(f"/api/v1/alert-channels/{channel.pk}/test/")

    assert answer.status_code == 200 and answer.json()["state"] == DeliveryState.SENT
    assert b"[TEST]" in receiver.requests[0].body
    bad = make_channel(team, target="http://127.0.0.1:9/nothing", name="bad")
    failed = api.post(f"/api/v1/alert-channels/{bad.pk}/test/").json()
    assert failed["state"] == DeliveryState.FAILED and "Could not reach" in failed["error"]


def test_alerts_are_seen_in_scope_acknowledged_and_muted_by_operators(team, host_a, host_b):
    mine, theirs = firing_alert(team, host_a), firing_alert(team, host_b, "db")
    viewer = client_for(member("viewer", host_a, name="vic"))
    operator = client_for(member("operator", host_a, name="otto"))

    listed = viewer.get("/api/v1/alerts/?state=firing").json()
    assert [a["id"] for a in listed["results"]] == [mine.pk]
    assert viewer.get("/api/v1/alerts/?subject=web").json()["count"] == 1
    assert viewer.get("/api/v1/alerts/?subject=db").json()["count"] == 0  # host B's: out of scope
    assert viewer.get(f"/api/v1/alerts/{theirs.pk}/").status_code == 404
    assert viewer.post(f"/api/v1/alerts/{mine.pk}/acknowledge/").status_code == 403

    acked = operator.post(f"/api/v1/alerts/{mine.pk}/acknowledge/")
    assert acked.status_code == 200 and acked.json()["state"] == AlertState.ACKNOWLEDGED
    assert acked.json()["acknowledged_by"] == "otto"
    muted = operator.post(f"/api/v1/alerts/{mine.pk}/mute/", {"seconds": 7200}, format="json")
    assert muted.status_code == 200 and Mute.objects.get().subject == "web"
    assert [e["what"] for e in muted.json()["entries"]] == ["acknowledged", "muted"]
    assert operator.post(f"/api/v1/alerts/{mine.pk}/mute/", {"seconds": 5}, format="json").status_code == 400
    mine.state = AlertState.RESOLVED
    mine.save()
    assert operator.post(f"/api/v1/alerts/{mine.pk}/acknowledge/").json()["code"] == "alert_resolved"
    assert {"alert.acknowledge", "alert.mute"} <= set(AuditEvent.objects.values_list("action", flat=True))


def test_the_alerts_page_and_one_alert(team, host_a, client):
    alert = firing_alert(team, host_a)
    client.force_login(member("operator", host_a, name="otto"))

    page = client.get("/alerts/")
    assert page.status_code == 200 and alert.title in page.content.decode()
    detail = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert 'id="alert-acknowledge"' in detail and "Mute web for 2 hours" in detail
