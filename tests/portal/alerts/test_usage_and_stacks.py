"""host.disk / host.memory fire past a rule's threshold and resolve only well under it;
stack.partly_down fires for a stack partly running past its grace and resolves when it runs,
stops or goes."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from portal.alerts.choices import AlertState, EventKind
from portal.alerts.detect import USAGE_HYSTERESIS, usage_condition
from portal.alerts.models import Alert, PartlyDownTrack
from portal.alerts.partly_down import judge_partly_down
from portal.hosts.events import publish_host
from tests.portal.alerts.conftest import make_channel, make_rule
from tests.portal.factories import make_container

pytestmark = pytest.mark.django_db

GB = 1024**3


@pytest.mark.parametrize(
    ("percent", "threshold", "holds"),
    [
        (95.0, 90, True),
        (90.1, 90, True),
        (90.0, 90, None),  # at the line: not passed, not under by the margin
        (88.5, 90, None),  # within the hysteresis band: an open alert stays open
        (88.0, 90, False),
        (10.0, 90, False),
        (None, 90, None),  # not measured: nothing said
        (1.5, 1, True),
        (98.0, 99, None),
        (97.0, 99, False),
    ],
)
def test_usage_fires_past_the_threshold_and_resolves_two_points_under(percent, threshold, holds):
    assert USAGE_HYSTERESIS == 2
    assert usage_condition(percent, threshold) is holds


def set_usage(host, disk_percent=None, memory_percent=None):
    if disk_percent is not None:
        host.disk_total, host.disk_used = 100 * GB, int(disk_percent * GB)
    if memory_percent is not None:
        host.memory, host.memory_available = 100 * GB, int((100 - memory_percent) * GB)
    host.save()
    publish_host(host)


def test_a_disk_past_the_threshold_fires_holds_in_the_band_and_resolves_under_it(team, host_a):
    make_rule(team, [EventKind.HOST_DISK], make_channel(team), threshold_percent=80)

    set_usage(host_a, disk_percent=79)
    assert not Alert.objects.exists()

    set_usage(host_a, disk_percent=85)
    alert = Alert.objects.get()
    assert (alert.kind, alert.subject, alert.state) == (EventKind.HOST_DISK, "host-a", AlertState.FIRING)
    assert "85.0 % used, past 80 %" in alert.title

    set_usage(host_a, disk_percent=78.5)  # back under the line, but not by two points
    alert.refresh_from_db()
    assert alert.state == AlertState.FIRING

    set_usage(host_a, disk_percent=77.9)
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED


def test_memory_uses_total_less_available_and_each_rule_its_own_threshold(team, host_a):
    low = make_rule(team, [EventKind.HOST_MEMORY], threshold_percent=50)
    make_rule(team, [EventKind.HOST_MEMORY], threshold_percent=95)

    set_usage(host_a, memory_percent=60)

    assert list(Alert.objects.values_list("rule", "kind")) == [(low.pk, EventKind.HOST_MEMORY)]
    assert host_a.memory_percent == 60.0


def test_a_host_the_worker_could_not_measure_says_nothing(team, host_a):
    make_rule(team, [EventKind.HOST_DISK, EventKind.HOST_MEMORY], threshold_percent=1)
    host_a.disk_total = host_a.disk_used = host_a.memory_available = None
    host_a.save()
    publish_host(host_a)
    assert not Alert.objects.exists()


def stack(host, project, states):
    return [
        make_container(
            host,
            f"{project}-svc{n}-1",
            state=state,
            labels={"com.docker.compose.project": project, "com.docker.compose.service": f"svc{n}"},
        )
        for n, state in enumerate(states)
    ]


def test_a_stack_partly_down_fires_only_after_the_grace(team, host_a, settings):
    settings.BERTH_ALERT_STACK_GRACE = 30
    make_rule(team, [EventKind.STACK_PARTLY_DOWN], make_channel(team))
    stack(host_a, "shop", ["running", "exited"])
    stack(host_a, "blog", ["running", "running"])
    stack(host_a, "old", ["exited", "exited"])
    start = timezone.now()

    judge_partly_down(start)
    judge_partly_down(start + timedelta(seconds=29))
    assert not Alert.objects.exists()  # a deploy in progress looks like this for a while
    assert list(PartlyDownTrack.objects.values_list("project", flat=True)) == ["shop"]

    judge_partly_down(start + timedelta(seconds=31))
    judge_partly_down(start + timedelta(seconds=32))

    alert = Alert.objects.get()
    assert (alert.kind, alert.subject, alert.host) == (EventKind.STACK_PARTLY_DOWN, "shop", host_a)
    assert "svc1 not running (1 of 2 containers run)" in alert.title


@pytest.mark.parametrize(
    ("change", "reason"),
    [("start", "Every service runs again."), ("stop", "The stack was stopped."), ("remove", "taken down")],
)
def test_a_partly_down_stack_resolves_when_it_runs_stops_or_goes(team, host_a, settings, change, reason):
    settings.BERTH_ALERT_STACK_GRACE = 0
    make_rule(team, [EventKind.STACK_PARTLY_DOWN])
    up, down = stack(host_a, "shop", ["running", "exited"])
    judge_partly_down()
    assert Alert.objects.get().state == AlertState.FIRING

    if change == "start":
        down.state = "running"
        down.save()
    elif change == "stop":
        up.state = "exited"
        up.save()
    else:
        for container in (up, down):
            container.removed_at = timezone.now()
            container.save()
    judge_partly_down()

    alert = Alert.objects.get()
    assert alert.state == AlertState.RESOLVED
    assert reason in alert.entries.last().text
    assert not PartlyDownTrack.objects.exists()


def test_partly_down_honours_the_rule_match_by_stack_and_the_team_scope(team, host_a, host_b, settings):
    settings.BERTH_ALERT_STACK_GRACE = 0
    make_rule(team, [EventKind.STACK_PARTLY_DOWN], match={"stacks": ["shop"]})
    stack(host_a, "shop", ["running", "exited"])
    stack(host_a, "blog", ["running", "exited"])
    stack(host_b, "shop", ["running", "exited"])  # not a host of the team

    judge_partly_down()

    assert list(Alert.objects.values_list("host__name", "subject")) == [("host-a", "shop")]


@pytest.mark.parametrize("threshold", [0, 100, -5, "lots", 12.5])
def test_a_threshold_outside_1_to_99_is_refused_with_a_sentence(team, host_a, threshold):
    api = APIClient()
    api.force_authenticate(team.members.get(username="ada"))
    body = {"name": "disk", "team": team.pk, "events": ["host.disk"], "threshold_percent": threshold}

    answer = api.post("/api/v1/alert-rules/", body, format="json")

    assert answer.status_code == 400, answer.content
    assert "percentage from 1 to 99" in answer.json()["detail"]


def test_a_rule_made_or_changed_judges_the_hosts_usage_at_once(team, host_a, django_capture_on_commit_callbacks):
    host_a.disk_total, host_a.disk_used = 100 * GB, 40 * GB
    host_a.save()
    api = APIClient()
    api.force_authenticate(team.members.get(username="ada"))
    body = {"name": "disk", "team": team.pk, "events": ["host.disk"], "threshold_percent": 10}

    with django_capture_on_commit_callbacks(execute=True):
        rule = api.post("/api/v1/alert-rules/", body, format="json")
    assert rule.status_code == 201 and rule.json()["threshold_percent"] == 10
    assert Alert.objects.get().state == AlertState.FIRING

    with django_capture_on_commit_callbacks(execute=True):
        api.patch(f"/api/v1/alert-rules/{rule.json()['id']}/", {"threshold_percent": 99}, format="json")
    assert Alert.objects.get().state == AlertState.RESOLVED


def test_the_host_page_carries_the_usage_its_script_shows(team, host_a, client):
    host_a.disk_total, host_a.disk_used = 200 * GB, 50 * GB
    host_a.memory, host_a.memory_available = 8 * GB, 2 * GB
    host_a.save()
    client.force_login(team.members.get(username="ada"))

    page = client.get(f"/hosts/{host_a.pk}/").content.decode()

    assert '"disk_percent": 25.0' in page and '"memory_percent": 75.0' in page
    assert "Disk in use" in (Path(__file__).parents[3] / "static/berth/host_detail.js").read_text()
