"""The alert settings pages: team admins write rules and channels from a form, judged by the same
serializer and policy as the API (a viewer gets the 403 page, a bad threshold a sentence), saved
and audited through the one path; a secret is never shown back."""

import pytest
from django.test import Client

from portal.alerts.models import AlertChannel, AlertRule
from portal.audit.models import AuditEvent
from tests.portal.alerts.conftest import make_channel, make_rule
from tests.portal.factories import make_binding, make_team, make_user

pytestmark = pytest.mark.django_db


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_of(team):
    return page_client(team.members.get(username="ada"))


def rule_form(team, channel=None, **fields):
    body = {
        "team": team.pk,
        "name": "disk full",
        "enabled": "on",
        "events": ["host.disk", "stack.partly_down"],
        "all_hosts": "on",
        "stacks": "shop, blog",
        "names": "web*",
        "labels": "",
        "cooldown_seconds": "120",
        "restart_count": "3",
        "restart_window_seconds": "300",
        "threshold_percent": "85",
    }
    if channel is not None:
        body["channels"] = [channel.pk]
    body.update(fields)
    return body


def test_a_team_admin_writes_a_rule_from_the_page(team):
    client = admin_of(team)
    channel = make_channel(team, name="hook")
    assert client.get("/alerts/settings/rules/new/").status_code == 200

    answer = client.post("/alerts/settings/rules/new/", rule_form(team, channel))

    assert answer.status_code == 302 and answer["Location"] == "/alerts/settings/"
    rule = AlertRule.objects.get(name="disk full")
    assert rule.events == ["host.disk", "stack.partly_down"] and rule.threshold_percent == 85
    assert rule.match == {"names": ["web*"], "stacks": ["shop", "blog"]}
    assert list(rule.channels.all()) == [channel] and rule.cooldown_seconds == 120
    assert AuditEvent.objects.filter(action="alert.rule.create").count() == 1
    listing = client.get("/alerts/settings/").content.decode()
    assert "disk full" in listing and "past 85 %" in listing

    edit = client.post(f"/alerts/settings/rules/{rule.pk}/", rule_form(team, channel, threshold_percent="95"))
    assert edit.status_code == 302
    rule.refresh_from_db()
    assert rule.threshold_percent == 95

    assert client.post(f"/alerts/settings/rules/{rule.pk}/remove/").status_code == 302
    assert not AlertRule.objects.exists()
    assert AuditEvent.objects.filter(action="alert.rule.delete").count() == 1


@pytest.mark.parametrize("threshold", ["0", "100", "150", "ninety", "-5", ""])
def test_a_bad_threshold_gets_a_sentence_not_a_rule(team, threshold):
    answer = admin_of(team).post("/alerts/settings/rules/new/", rule_form(team, threshold_percent=threshold))
    assert answer.status_code == 200
    assert "percentage from 1 to 99" in answer.content.decode() or "required" in answer.content.decode()
    assert not AlertRule.objects.exists()


def test_a_rule_without_events_or_hosts_gets_sentences(team):
    body = rule_form(team, events=[])
    del body["all_hosts"]
    answer = admin_of(team).post("/alerts/settings/rules/new/", body)
    text = answer.content.decode()
    assert answer.status_code == 200 and "Choose at least one event" in text
    assert not AlertRule.objects.exists()
    body = rule_form(team)
    del body["all_hosts"]
    answer = admin_of(team).post("/alerts/settings/rules/new/", body)
    assert answer.status_code == 200 and "Name the hosts, or set all_hosts." in answer.content.decode()


def test_a_viewer_posting_the_rule_form_gets_the_403_page(team, host_a):
    viewer = make_user("vic")
    lookers = make_team(viewer, name="lookers")
    make_binding(lookers, "viewer", host_a)  # vic's team only views
    make_rule(lookers, ["host.disk"], name="theirs")
    client = page_client(viewer)
    listing = client.get("/alerts/settings/")  # seeing is allowed, writing is not offered
    assert listing.status_code == 200 and "theirs" in listing.content.decode()
    assert "/alerts/settings/rules/new/" not in listing.content.decode()

    answer = client.post("/alerts/settings/rules/new/", rule_form(lookers))

    assert answer.status_code == 403
    assert "Only a team&#x27;s admins" in answer.content.decode()
    assert list(AlertRule.objects.values_list("name", flat=True)) == ["theirs"]
    assert client.get("/alerts/settings/channels/new/").status_code == 403
    assert client.post(f"/alerts/settings/rules/{AlertRule.objects.get().pk}/remove/").status_code == 403


def test_an_admin_of_one_team_cannot_write_for_another(team, host_b):
    other = make_team(make_user("bob"), name="web")
    make_binding(other, "admin", host_b)
    answer = admin_of(team).post("/alerts/settings/rules/new/", rule_form(other))
    assert answer.status_code == 403 and "Only admins of team web" in answer.content.decode()
    rule = make_rule(other, ["host.disk"], name="theirs")
    assert admin_of(team).post(f"/alerts/settings/rules/{rule.pk}/", rule_form(team)).status_code == 404


def test_a_channel_from_the_page_keeps_its_secret_unshown(team):
    client = admin_of(team)
    body = {"team": team.pk, "name": "hook", "kind": "webhook", "target": "http://127.0.0.1:9/h"}
    body["secret"] = "Sig-Key-77"
    assert client.post("/alerts/settings/channels/new/", body).status_code == 302
    channel = AlertChannel.objects.get(name="hook")
    assert channel.secret() == "Sig-Key-77"

    edit_page = client.get(f"/alerts/settings/channels/{channel.pk}/").content.decode()
    listing = client.get("/alerts/settings/").content.decode()
    assert "Sig-Key-77" not in edit_page and "Sig-Key-77" not in listing and "A secret is saved" in edit_page

    renamed = {**body, "name": "hook-2", "secret": ""}
    assert client.post(f"/alerts/settings/channels/{channel.pk}/", renamed).status_code == 302
    channel.refresh_from_db()
    assert channel.name == "hook-2" and channel.secret() == "Sig-Key-77"  # an empty secret keeps it
    assert "Sig-Key-77" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_a_chat_channel_edited_keeps_its_webhook_url(team):
    client = admin_of(team)
    url = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
    body = {"team": team.pk, "name": "chat", "kind": "slack", "target": url}
    assert client.post("/alerts/settings/channels/new/", body).status_code == 302
    channel = AlertChannel.objects.get(name="chat")
    page = client.get(f"/alerts/settings/channels/{channel.pk}/").content.decode()
    assert "XXXXSECRET" not in page

    shown = {"team": team.pk, "name": "chat-ops", "kind": "slack", "target": channel.target, "secret": ""}
    assert client.post(f"/alerts/settings/channels/{channel.pk}/", shown).status_code == 302
    channel.refresh_from_db()
    assert channel.name == "chat-ops" and channel.secret() == url


def test_a_bad_channel_target_gets_a_sentence(team):
    body = {"team": team.pk, "name": "mail", "kind": "email", "target": "not an address"}
    answer = admin_of(team).post("/alerts/settings/channels/new/", body)
    assert answer.status_code == 200 and "Give email addresses" in answer.content.decode()
    assert not AlertChannel.objects.exists()
