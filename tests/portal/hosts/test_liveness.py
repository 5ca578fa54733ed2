from datetime import timedelta

import pytest
from django.utils import timezone

from portal.hosts.choices import HostStatus
from portal.hosts.liveness import mark_lost_hosts
from portal.hosts.models import Host
from tests.portal.factories import make_host, make_offline_host, make_online_host

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def offline_after(settings):
    settings.BERTH_HOST_OFFLINE_AFTER = 8


def test_only_online_hosts_past_their_heartbeats_are_marked_offline():
    # Given a fresh host, a silent one, one already offline and one never seen
    fresh = make_online_host("fresh", seen_ago=2)
    silent = make_online_host("silent", seen_ago=20)
    gone = make_offline_host("gone")
    never = make_host("never")

    # When the liveness watch runs
    lost = mark_lost_hosts()

    # Then only the silent host is marked offline
    assert [host.slug for host in lost] == ["silent"]
    statuses = dict(Host.objects.values_list("slug", "status"))
    assert statuses == {
        fresh.slug: HostStatus.ONLINE,
        silent.slug: HostStatus.OFFLINE,
        gone.slug: HostStatus.OFFLINE,
        never.slug: HostStatus.UNKNOWN,
    }
    silent.refresh_from_db()
    assert silent.online_since is None


def test_the_watch_judges_by_the_clock_it_is_given():
    host = make_online_host("web-1", seen_ago=0)

    assert mark_lost_hosts(now=timezone.now() + timedelta(seconds=5)) == []
    assert [h.pk for h in mark_lost_hosts(now=timezone.now() + timedelta(seconds=9))] == [host.pk]


def test_a_second_run_finds_nothing_new():
    make_online_host("silent", seen_ago=20)
    mark_lost_hosts()

    assert mark_lost_hosts() == []
