import pytest

from portal.hosts.choices import HostStatus
from portal.hosts.models import Host
from tests.portal.factories import make_host, make_online_host


@pytest.fixture(autouse=True)
def offline_after(settings):
    settings.BERTH_HOST_OFFLINE_AFTER = 8


def test_an_online_host_with_fresh_heartbeats_is_online(db):
    assert make_online_host(seen_ago=1).current_status == HostStatus.ONLINE


def test_an_online_host_whose_heartbeats_stopped_reads_offline_before_the_watch_runs(db):
    host = make_online_host(seen_ago=9)

    assert host.status == HostStatus.ONLINE
    assert host.current_status == HostStatus.OFFLINE


def test_an_online_host_never_seen_reads_offline():
    assert Host(status=HostStatus.ONLINE, last_seen=None).current_status == HostStatus.OFFLINE


@pytest.mark.parametrize("status", [HostStatus.OFFLINE, HostStatus.UNKNOWN])
def test_other_statuses_are_read_as_stored(db, status):
    assert make_host(status=status).current_status == status
