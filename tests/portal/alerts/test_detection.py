"""Alerts fire from the events the portal publishes, resolve when the condition clears, never
storm, and never tell a team about a host outside its scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.alerts.choices import AlertState, DeliveryKind, EventKind
from portal.alerts.detect import on_event, settle_restart_loops
from portal.alerts.firing import send_summaries
from portal.alerts.models import Alert, Delivery, Mute
from portal.containers.models import Container
from portal.events.publish import publish
from portal.hosts.choices import HostStatus
from portal.hosts.events import publish_host
from tests.portal.alerts.conftest import make_channel, make_rule
from tests.portal.factories import make_container

pytestmark = pytest.mark.django_db


def container_event(container, **state):
    """The event an applied report publishes about `container`, its row changed to `state` first
    (detection judges the row as it is, not the event's copy)."""
    body = {
        "id": container.pk,
        "engine_id": container.engine_id,
        "name": container.name,
        "labels": container.labels,
        "state": "running",
        "exit_code": None,
        "health": "",
        "restart_count": 0,
        **state,
    }
    fields = ("state", "exit_code", "health", "restart_count", "labels")
    Container.objects.filter(pk=container.pk).update(**{name: body[name] for name in fields})
    return {"type": "container.updated", "container": body}


def test_an_event_published_from_an_overtaken_report_judges_the_container_as_it_is_now(team, host_a):
    """Two reports applied in parallel: the older one (running) publishes after the newer one
    (exited 1) fired. Judged on the event's copy, the alert resolved the instant it fired (seen in CI)."""
    make_rule(team, [EventKind.CONTAINER_EXITED], make_channel(team))
    web = make_container(host_a, "web")
    publish(host_a.pk, container_event(web, state="exited", exit_code=1))
    stale = container_event(web, state="running")
    Container.objects.filter(pk=web.pk).update(state="exited", exit_code=1)  # the newer report stands

    publish(host_a.pk, stale)

    alert = Alert.objects.get()
    assert alert.state == AlertState.FIRING, [e.text for e in alert.entries.all()]
    assert [e.what for e in alert.entries.all()] == ["fired"]


def test_a_container_exiting_non_zero_fires_once_and_resolves_when_it_runs_again(team, host_a):
    channel = make_channel(team)
    make_rule(team, [EventKind.CONTAINER_EXITED], channel)
    web = make_container(host_a, "web")

    publish(host_a.pk, container_event(web, state="exited", exit_code=1))  # through the one publisher
    publish(host_a.pk, container_event(web, state="exited", exit_code=1))  # the same again: nothing new

    alert = Alert.objects.get()
    assert (alert.state, alert.kind, alert.subject) == (AlertState.FIRING, EventKind.CONTAINER_EXITED, "web")
    assert "exited with code 1" in alert.title and "host-a" in alert.title
    assert list(Delivery.objects.values_list("kind", "channel")) == [(DeliveryKind.FIRED, channel.pk)]

    publish(host_a.pk, container_event(web, state="running"))

    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED and alert.resolved_at is not None
    assert [d.kind for d in Delivery.objects.order_by("pk")] == [DeliveryKind.FIRED, DeliveryKind.RESOLVED]
    assert [e.what for e in alert.entries.all()] == ["fired", "resolved"]


def test_exit_zero_is_no_failure_but_a_stop_of_what_should_run(team, host_a):
    make_rule(team, [EventKind.CONTAINER_EXITED, EventKind.CONTAINER_STOPPED], make_channel(team))
    job = make_container(host_a, "job")

    on_event(host_a.pk, container_event(job, state="exited", exit_code=0))

    assert list(Alert.objects.values_list("kind", flat=True)) == [EventKind.CONTAINER_STOPPED]


def test_oom_killed_and_unhealthy(team, host_a):
    make_rule(team, [EventKind.CONTAINER_OOM, EventKind.CONTAINER_EXITED, EventKind.CONTAINER_UNHEALTHY])
    hog = make_container(host_a, "hog", inspect={"State": {"OOMKilled": True, "ExitCode": 137}})
    sick = make_container(host_a, "sick")

    on_event(host_a.pk, container_event(hog, state="exited", exit_code=137))
    on_event(host_a.pk, container_event(sick, health="unhealthy"))

    assert set(Alert.objects.values_list("subject", "kind")) == {
        ("hog", EventKind.CONTAINER_OOM),
        ("sick", EventKind.CONTAINER_UNHEALTHY),
    }
    on_event(host_a.pk, container_event(sick, health="healthy"))
    assert Alert.objects.get(subject="sick").state == AlertState.RESOLVED


def test_a_flapping_container_sends_one_alert_then_one_summary(team, host_a):
    make_rule(team, [EventKind.CONTAINER_EXITED], make_channel(team), cooldown=60)
    web = make_container(host_a, "web")
    t0 = timezone.now()

    for n in range(10):
        on_event(host_a.pk, container_event(web, state="exited", exit_code=1), t0 + timedelta(seconds=2 * n))
        on_event(host_a.pk, container_event(web, state="running"), t0 + timedelta(seconds=2 * n + 1))

    alert = Alert.objects.get()
    assert alert.fire_count == 10 and alert.flaps == 9
    assert [d.kind for d in Delivery.objects.order_by("pk")] == [DeliveryKind.FIRED, DeliveryKind.RESOLVED]
    assert send_summaries(t0 + timedelta(seconds=30)) == 0  # not before the cooldown's end
    assert send_summaries(t0 + timedelta(seconds=62)) == 1
    summary = Delivery.objects.order_by("pk").last()
    assert summary.kind == DeliveryKind.SUMMARY and "came back 9 times" in summary.text
    assert send_summaries(t0 + timedelta(seconds=200)) == 0


def test_a_restart_loop_fires_at_n_restarts_within_the_window_and_settles_when_quiet(team, host_a):
    make_rule(team, [EventKind.CONTAINER_RESTART_LOOP], restart_count=3, restart_window_seconds=60)
    loop = make_container(host_a, "loop")
    t0 = timezone.now()

    for n in range(1, 4):
        on_event(host_a.pk, container_event(loop, state="running", restart_count=n), t0 + timedelta(seconds=n))

    alert = Alert.objects.get()
    assert alert.kind == EventKind.CONTAINER_RESTART_LOOP and alert.state == AlertState.FIRING
    assert settle_restart_loops(t0 + timedelta(seconds=30)) == 0
    assert settle_restart_loops(t0 + timedelta(seconds=120)) == 1


def test_a_rule_never_fires_for_a_host_outside_its_team(team, host_a, host_b):
    make_rule(team, [EventKind.CONTAINER_EXITED, EventKind.HOST_OFFLINE], make_channel(team), all_hosts=True)
    db = make_container(host_b, "db")

    on_event(host_b.pk, container_event(db, state="exited", exit_code=2))
    host_b.status = HostStatus.OFFLINE
    host_b.save()
    publish_host(host_b)

    assert not Alert.objects.exists()


def test_a_rule_for_some_hosts_and_some_containers(team, host_a):
    other = make_rule(team, [EventKind.CONTAINER_EXITED], all_hosts=False)
    other.hosts.set([host_a])
    make_rule(team, [EventKind.CONTAINER_EXITED], match={"names": ["api-*"], "labels": ["tier=front"]})
    api = make_container(host_a, "api-1", labels={"tier": "front"})
    worker = make_container(host_a, "worker", labels={"tier": "back"})

    on_event(host_a.pk, container_event(api, state="exited", exit_code=1))
    on_event(host_a.pk, container_event(worker, state="exited", exit_code=1))

    assert sorted(Alert.objects.values_list("subject", flat=True)) == ["api-1", "api-1", "worker"]


def test_a_host_going_offline_is_one_alert_naming_the_host_whatever_it_runs(team, host_a):
    make_rule(team, [EventKind.HOST_OFFLINE, EventKind.CONTAINER_STOPPED], make_channel(team))
    for n in range(50):
        make_container(host_a, f"app-{n}")

    host_a.status = HostStatus.OFFLINE
    host_a.save()
    publish_host(host_a)

    alert = Alert.objects.get()
    assert alert.kind == EventKind.HOST_OFFLINE and alert.title == "Host host-a is offline"
    assert Delivery.objects.count() == 1

    host_a.status = HostStatus.ONLINE
    host_a.save()
    publish_host(host_a)
    assert Alert.objects.get().state == AlertState.RESOLVED


def test_many_changes_in_one_report_are_judged_from_the_database(team, host_a):
    make_rule(team, [EventKind.CONTAINER_EXITED], make_channel(team))
    for n in range(60):
        make_container(host_a, f"app-{n}", state="exited", exit_code=1)

    publish(host_a.pk, {"type": "inventory.changed", "host": host_a.pk})

    assert Alert.objects.count() == 60
    assert Delivery.objects.count() == 60  # sent as grouped messages: tests/portal/alerts/test_delivery.py


def test_a_muted_subject_fires_but_tells_nobody(team, host_a):
    make_rule(team, [EventKind.CONTAINER_EXITED], make_channel(team))
    web = make_container(host_a, "web")
    Mute.objects.create(host=host_a, subject="web", until=timezone.now() + timedelta(hours=2))

    on_event(host_a.pk, container_event(web, state="exited", exit_code=1))

    alert = Alert.objects.get()
    assert not Delivery.objects.exists()
    assert "muted" in [e.what for e in alert.entries.all()]


def test_a_failed_operation_fires_and_a_later_success_of_the_same_resolves(team, host_a):
    make_rule(team, [EventKind.OPERATION_FAILED], make_channel(team))
    failed = {
        "id": 1,
        "kind": "image.pull",
        "state": "failed",
        "host": host_a.pk,
        "target_repr": "app:1",
        "username": "ada",
        "error": "manifest unknown",
    }

    on_event(host_a.pk, {"type": "operation.updated", "operation": failed})
    assert "manifest unknown" in Alert.objects.get().title
    on_event(host_a.pk, {"type": "operation.updated", "operation": {**failed, "state": "succeeded"}})
    assert Alert.objects.get().state == AlertState.RESOLVED


def test_a_terminal_on_a_sensitive_host(team, host_a):
    make_rule(team, [EventKind.TERMINAL_SENSITIVE], make_channel(team))
    session = {"id": 7, "username": "eve", "container_name": "db"}

    on_event(host_a.pk, {"type": "terminal.started", "session": session})
    assert not Alert.objects.exists()  # not marked sensitive
    host_a.labels = {"berth.sensitive": "true"}
    host_a.save()
    on_event(host_a.pk, {"type": "terminal.started", "session": session})
    assert "eve opened a terminal in db" in Alert.objects.get().title
    on_event(host_a.pk, {"type": "terminal.ended", "session": session})
    assert Alert.objects.get().state == AlertState.RESOLVED
