"""The networks and volumes lists write each row by hand (their api/serializers.py, for speed, as
the containers list does): they answer exactly what DRF's field-by-field path answers, for every
kind of row, through the API too."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from portal.containers.links import container_pks
from portal.networks.api.serializers import LIST_COLUMNS as NETWORK_COLUMNS
from portal.networks.api.serializers import NetworkSerializer
from portal.networks.models import Network
from portal.volumes.api.serializers import LIST_COLUMNS as VOLUME_COLUMNS
from portal.volumes.api.serializers import VolumeSerializer
from portal.volumes.models import Volume
from tests.portal.factories import make_container, make_network, make_offline_host, make_online_host, make_volume

pytestmark = pytest.mark.django_db


def drf_answer(serializer_class, row, context) -> dict:
    return serializers.ModelSerializer.to_representation(serializer_class(context=context), row)


def rows_of_every_kind():
    now = timezone.now()
    online, offline = make_online_host("web-1"), make_offline_host("web-2")
    web, gone = make_container(online, "web"), make_container(online, "gone", removed_at=now)
    make_network(online, "back", on=[web], subnet="10.8.0.0/24", labels={"a": "b"}, created=now, internal=True)
    make_network(online, "bridge", options={"com.docker.network.bridge.name": "docker0"}, ipv6=True)
    make_network(offline, "stale-net", on=[make_container(offline, "far")], attachable=True)
    make_network(online, "dropped", removed_at=now - timedelta(minutes=2), removed_by="alice")
    make_volume(online, "data", used_by=[web], created=now, size=4096, labels={"x": "y"})
    make_volume(online, "bound", options={"type": "none", "o": "bind", "device": "/etc"})
    make_volume(offline, "old", used_by=[gone], scope="global")
    make_volume(online, "removed", removed_at=now, removed_by="bob", size=0)


@pytest.mark.parametrize(
    ("model", "serializer_class", "columns"),
    [(Network, NetworkSerializer, NETWORK_COLUMNS), (Volume, VolumeSerializer, VOLUME_COLUMNS)],
)
def test_every_kind_of_row_is_written_as_drf_writes_it(model, serializer_class, columns):
    rows_of_every_kind()
    rows = list(model.objects.select_related("host").only(*columns))
    context = {"container_pks": container_pks(rows)}

    for row in rows:
        full = model.objects.select_related("host").get(pk=row.pk)
        assert serializer_class(row, context=context).data == drf_answer(serializer_class, full, context)


@pytest.mark.parametrize(
    ("url", "model", "serializer_class"),
    [("/api/v1/networks/", Network, NetworkSerializer), ("/api/v1/volumes/", Volume, VolumeSerializer)],
)
def test_the_lists_answer_the_same_rows_through_the_api(as_admin, url, model, serializer_class):
    rows_of_every_kind()
    live = list(model.objects.select_related("host").live().order_by(*model._meta.ordering))
    context = {"container_pks": container_pks(live)}

    assert as_admin.get(url).json()["results"] == [drf_answer(serializer_class, row, context) for row in live]
