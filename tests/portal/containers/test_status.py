"""A container's status in words, as `docker ps` writes it."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.containers.status import container_status, human_duration

NOW = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(milliseconds=300), "Less than a second"),
        (timedelta(seconds=1), "1 second"),
        (timedelta(seconds=59), "59 seconds"),
        (timedelta(seconds=60), "About a minute"),
        (timedelta(seconds=119), "About a minute"),
        (timedelta(minutes=3), "3 minutes"),
        (timedelta(minutes=59, seconds=59), "59 minutes"),
        (timedelta(minutes=60), "About an hour"),
        (timedelta(minutes=89), "About an hour"),
        (timedelta(minutes=90), "2 hours"),
        (timedelta(hours=47), "47 hours"),
        (timedelta(hours=48), "2 days"),
        (timedelta(days=13), "13 days"),
        (timedelta(days=14), "2 weeks"),
        (timedelta(days=59), "8 weeks"),
        (timedelta(days=60), "2 months"),
        (timedelta(days=729), "24 months"),
        (timedelta(days=730), "2 years"),
    ],
)
def test_durations_are_worded_like_docker(delta, words):
    assert human_duration(delta) == words


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"state": "running", "started_at": ago(minutes=3)}, "Up 3 minutes"),
        ({"state": "running", "started_at": ago(hours=5), "health": "healthy"}, "Up 5 hours (healthy)"),
        ({"state": "running", "started_at": ago(seconds=4), "health": "starting"}, "Up 4 seconds (health: starting)"),
        ({"state": "running", "started_at": ago(days=3), "health": "unhealthy"}, "Up 3 days (unhealthy)"),
        ({"state": "paused", "started_at": ago(minutes=10)}, "Up 10 minutes (Paused)"),
        (
            {"state": "restarting", "started_at": ago(minutes=1), "finished_at": ago(seconds=2), "exit_code": 1},
            "Restarting (1) 2 seconds ago",
        ),
        (
            {"state": "exited", "started_at": ago(hours=3), "finished_at": ago(hours=2), "exit_code": 1},
            "Exited (1) 2 hours ago",
        ),
        (
            {"state": "exited", "started_at": ago(days=1), "finished_at": ago(minutes=5), "exit_code": 0},
            "Exited (0) 5 minutes ago",
        ),
        ({"state": "created"}, "Created"),
        ({"state": "exited", "exit_code": 0}, "Created"),  # never started
        ({"state": "removing"}, "Removal In Progress"),
        ({"state": "dead", "exit_code": 137}, "Dead"),
        ({"state": "hibernating"}, "Hibernating"),
        ({"state": ""}, "Unknown"),
        ({"state": "running"}, "Up"),  # not inspected yet: no start time known
        ({"state": "running", "started_at": NOW + timedelta(seconds=5)}, "Up Less than a second"),
        ({"state": "running", "started_at": ago(hours=1), "removed_at": ago(minutes=2)}, "Removed 2 minutes ago"),
    ],
)
def test_a_status_is_worded_from_state_and_times(kwargs, status):
    assert container_status(now=NOW, **kwargs) == status
