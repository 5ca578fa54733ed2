"""Tombstones of removed containers and images are purged once they are old enough."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.containers.models import Container
from portal.images.models import Image
from portal.ingest.housekeeping import purge_tombstones
from tests.portal.factories import make_container, make_host, make_image

pytestmark = pytest.mark.django_db


def test_old_tombstones_go_while_recent_ones_and_live_rows_stay(settings):
    settings.BERTH_TOMBSTONE_DAYS = 7
    now = timezone.now()
    host = make_host("web-1")
    make_container(host, "old", removed_at=now - timedelta(days=8))
    make_container(host, "recent", removed_at=now - timedelta(days=1))
    make_container(host, "live")
    make_image(host, ["gone:1"], removed_at=now - timedelta(days=30))
    make_image(host, ["kept:1"])

    purged = purge_tombstones(now)

    assert purged >= 2
    assert sorted(Container.objects.values_list("name", flat=True)) == ["live", "recent"]
    assert Image.objects.count() == 1
