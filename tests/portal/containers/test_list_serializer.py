"""The containers list writes each row by hand (portal/containers/api/serializers.py, for speed):
it answers exactly what DRF's field-by-field path answers, for every kind of row."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from portal.containers.api.serializers import LIST_COLUMNS, ContainerSerializer
from portal.containers.models import Container
from tests.portal.factories import make_container, make_offline_host, make_online_host

pytestmark = pytest.mark.django_db


def drf_answer(container) -> dict:
    return serializers.ModelSerializer.to_representation(ContainerSerializer(), container)


def rows_of_every_kind():
    now = timezone.now()
    online, offline = make_online_host("web-1"), make_offline_host("web-2")
    make_container(online, "running", started_at=now - timedelta(minutes=3), ports=[{"PrivatePort": 80}])
    make_container(online, "exited", state="exited", exit_code=137, finished_at=now, created=now, labels={"a": "b"})
    # Started hours ago: both answers are written a moment apart, and "Up Less than a second" turns
    # into "Up 1 second" in between on a slow machine (seen); "Up 2 hours" stays what it is.
    make_container(online, "healthy", health="healthy", started_at=now - timedelta(hours=1), restart_count=3,
                   command="sh -c 'x'")  # fmt: skip
    make_container(offline, "stale", state="paused", started_at=(now - timedelta(hours=2)).replace(microsecond=0))
    make_container(online, "gone", removed_at=now, removed_by="alice")


def test_every_kind_of_row_is_written_as_drf_writes_it():
    rows_of_every_kind()

    for container in Container.objects.select_related("host").only(*LIST_COLUMNS):
        assert ContainerSerializer(container).data == drf_answer(Container.objects.get(pk=container.pk))


def test_the_list_answers_the_same_rows_through_the_api(as_admin):
    host = make_online_host("web-1")
    for i in range(3):
        make_container(host, f"c-{i}", started_at=timezone.now(), labels={"i": str(i)})

    rows = as_admin.get("/api/v1/containers/").json()["results"]

    assert rows == [drf_answer(c) for c in Container.objects.select_related("host").order_by(*Container._meta.ordering)]


def test_every_kind_of_live_row_is_answered_as_drf_writes_it_through_the_api(as_admin):
    """The list reads its page as plain rows (portal/inventory/rows.py), not models."""
    rows_of_every_kind()

    rows = as_admin.get("/api/v1/containers/?page_size=10").json()["results"]

    live = Container.objects.live().select_related("host").order_by(*Container._meta.ordering)
    assert len(rows) == 4 and rows == [drf_answer(c) for c in live]
