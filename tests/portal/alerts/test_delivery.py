"""Deliveries to real receivers on 127.0.0.1: a signed webhook, email through a real SMTP server
(aiosmtpd), the chat shapes; grouped, retried with backoff, recorded, taken over after a lease."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.alerts.choices import ChannelKind, DeliveryState, EventKind
from portal.alerts.delivery import MAX_ATTEMPTS, deliver_due
from portal.alerts.detect import on_event
from portal.alerts.models import Alert, Delivery
from portal.alerts.senders import Message
from portal.alerts.senders.http import SIGNATURE_HEADER, TIMESTAMP_HEADER, payload, verify_signature
from tests.portal.alerts.conftest import make_channel, make_rule
from tests.portal.alerts.test_detection import container_event
from tests.portal.factories import make_container

pytestmark = pytest.mark.django_db


def exit_one(host, name="web", code=1):
    on_event(host.pk, container_event(make_container(host, name), state="exited", exit_code=code))


def test_a_webhook_is_signed_so_the_receiver_can_verify_it(team, host_a, receiver):
    make_rule(team, [EventKind.CONTAINER_EXITED], make_channel(team, target=receiver.url(), secret="k3y"))
    exit_one(host_a)

    assert deliver_due() == 1

    (hit,) = receiver.requests
    assert verify_signature("k3y", hit.headers[TIMESTAMP_HEADER], hit.body, hit.headers[SIGNATURE_HEADER])
    assert not verify_signature("other", hit.headers[TIMESTAMP_HEADER], hit.body, hit.headers[SIGNATURE_HEADER])
    body = json.loads(hit.body)
    assert body["kind"] == "fired" and body["alerts"][0]["subject"] == "web"
    assert body["alerts"][0]["message"] == "fired"
    assert Delivery.objects.get().state == DeliveryState.SENT
    assert "notified" in [e.what for e in Alert.objects.get().entries.all()]


def test_email_reaches_a_real_smtp_server(team, host_a, smtp):
    make_rule(
        team, [EventKind.CONTAINER_EXITED], make_channel(team, kind="email", target="ops@example.com, b@example.com")
    )
    exit_one(host_a, code=3)

    assert deliver_due() == 1

    ((recipients, mail, _),) = smtp.wait_for(1)
    assert recipients == ["ops@example.com", "b@example.com"]
    assert "exited with code 3" in mail["Subject"] and mail["From"] == "berth@example.com"


def test_many_alerts_at_once_are_one_message_per_channel(team, host_a, receiver):
    make_rule(team, [EventKind.CONTAINER_EXITED], make_channel(team, target=receiver.url()))
    for n in range(30):
        exit_one(host_a, f"app-{n}")

    assert deliver_due() == 30

    (hit,) = receiver.requests
    body = json.loads(hit.body)
    assert body["subject"] == "[BERTH] 30 alerts on host-a" and len(body["alerts"]) == 30
    assert "… and 10 more." in body["text"]


def test_a_failing_receiver_is_retried_with_backoff_then_given_up_and_shown(team, host_a, receiver):
    receiver.statuses = [500] * MAX_ATTEMPTS
    make_rule(team, [EventKind.CONTAINER_EXITED], make_channel(team, target=receiver.url()))
    exit_one(host_a)
    now = timezone.now()

    assert deliver_due(now) == 0
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1 and "answered 500" in delivery.error
    assert delivery.next_attempt_at == now + timedelta(seconds=2) or delivery.next_attempt_at > now
    for _ in range(MAX_ATTEMPTS - 1):
        now += timedelta(seconds=301)
        deliver_due(now)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == MAX_ATTEMPTS
    assert len(receiver.requests) == MAX_ATTEMPTS
    whats = [e.what for e in Alert.objects.get().entries.all()]
    assert whats.count("retrying") == MAX_ATTEMPTS - 1 and whats[-1] == "failed"


def test_a_delivery_a_dead_worker_held_is_taken_over_once_its_lease_runs_out(team, host_a, receiver, settings):
    make_rule(team, [EventKind.CONTAINER_EXITED], make_channel(team, target=receiver.url()))
    exit_one(host_a)
    now = timezone.now()
    # A worker claimed it, then died before sending.
    Delivery.objects.update(leased_until=now + timedelta(seconds=settings.BERTH_ALERT_LEASE_SECONDS), attempts=1)

    assert deliver_due(now) == 0 and not receiver.requests
    assert deliver_due(now + timedelta(seconds=settings.BERTH_ALERT_LEASE_SECONDS + 1)) == 1
    assert len(receiver.requests) == 1


def test_no_smtp_server_configured_is_said(team, host_a, settings):
    settings.BERTH_SMTP_URL = ""
    make_rule(team, [EventKind.CONTAINER_EXITED], make_channel(team, kind="email", target="ops@example.com"))
    exit_one(host_a)

    deliver_due()

    assert "set SMTP_URL" in Delivery.objects.get().error


@pytest.mark.parametrize(
    ("kind", "key"),
    [(ChannelKind.SLACK, "text"), (ChannelKind.DISCORD, "content"), (ChannelKind.TEAMS, "text")],
)
def test_chat_shapes(kind, key):
    body, headers = payload(kind, Message(subject="[FIRING] web", text="web exited"))
    assert "web exited" in json.loads(body)[key] and headers["Content-Type"] == "application/json"


def test_ntfy_is_plain_text_with_a_title():
    body, headers = payload(ChannelKind.NTFY, Message(subject="[FIRING] web", text="web exited"))
    assert body == b"web exited" and headers["Title"] == "[FIRING] web"


def test_a_chat_webhook_url_is_the_secret(team, host_a, receiver):
    channel = make_channel(
        team, kind=ChannelKind.SLACK, target="https://hooks.example/…", secret=receiver.url("/T0/B0/x")
    )
    make_rule(team, [EventKind.CONTAINER_EXITED], channel)
    exit_one(host_a)

    assert deliver_due() == 1
    assert receiver.requests[0].path == "/T0/B0/x"
    assert "*[FIRING]" in json.loads(receiver.requests[0].body)["text"]
