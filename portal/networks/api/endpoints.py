"""`POST /api/v1/networks/{id}/connect/` and `…/disconnect/`: a container of the network's host
joins it (with aliases, a static address) or leaves it. Joining the host network is as much as
sharing the host's network stack: admin only (portal/access/dangerous.py)."""

from __future__ import annotations

import ipaddress

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from portal.access.dangerous import network_dangers, refuse_dangers
from portal.api.validation import validated
from portal.containers.models import Container
from portal.networks.api.actions import NetworkActions
from portal.networks.api.create import NETWORK_NAME_RE
from portal.networks.checks import address_usable
from portal.networks.models import Network
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.refusals import Conflict, NotFound

__all__ = ["EndpointActions"]


class ConnectSerializer(serializers.Serializer):
    container = serializers.IntegerField(help_text="The container's id in Berth, on the network's host.")
    aliases = serializers.ListField(child=serializers.CharField(max_length=255), required=False, default=list)
    ipv4_address = serializers.IPAddressField(protocol="IPv4", required=False, allow_blank=True, default="")

    def validate_aliases(self, value):
        aliases = [alias.strip() for alias in value if alias.strip()]
        for alias in aliases:
            if not NETWORK_NAME_RE.fullmatch(alias):
                raise serializers.ValidationError(f"'{alias}' is not an alias: use letters, digits, _ . and -.")
        return aliases


class DisconnectSerializer(serializers.Serializer):
    container = serializers.IntegerField(help_text="The container's id in Berth, on the network's host.")
    force = serializers.BooleanField(required=False, default=False)


class EndpointActions(NetworkActions):
    policy_actions = {"connect": "network.manage", "disconnect": "network.manage"}

    def _container(self, network: Network, container_id: int) -> Container:
        """The container, live, on the network's host and visible to the user."""
        found = (
            Container.objects.restrict(self.request, "container.view")
            .live()
            .filter(pk=container_id, host_id=network.host_id)
            .first()
        )
        if found is None:
            raise NotFound(
                f"Container {container_id} does not exist on host {network.host.name}, or is not visible to you."
            )
        return found

    @staticmethod
    def _on(network: Network, container: Container) -> bool:
        return any(entry.get("engine_id") == container.engine_id for entry in network.containers or [])

    @extend_schema(request=ConnectSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def connect(self, request, pk=None):
        """Connect a container to the network (`docker network connect`)."""
        network = self.live_network()
        data = validated(ConnectSerializer, request.data)
        refuse_dangers(request, network.host_id, network_dangers(network.driver, network.name))
        container = self._container(network, data["container"])
        if self._on(network, container):
            raise Conflict(
                f"Container {container.name} is already connected to network {network.name}.", "already_connected"
            )
        if data["ipv4_address"]:
            address_usable(network, ipaddress.IPv4Address(data["ipv4_address"]))
        shown = {"container": container.name, "aliases": data["aliases"], "ipv4_address": data["ipv4_address"]}
        task = {**shown, "container_id": container.engine_id, "subject": container.name}
        return accepted(self.network_operation("connect", network, shown, task))

    @extend_schema(request=DisconnectSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def disconnect(self, request, pk=None):
        """Disconnect a container from the network (`docker network disconnect`)."""
        network = self.live_network()
        data = validated(DisconnectSerializer, request.data)
        container = self._container(network, data["container"])
        if not self._on(network, container):
            raise Conflict(f"Container {container.name} is not connected to network {network.name}.", "not_connected")
        shown = {"container": container.name, "force": data["force"]}
        task = {**shown, "container_id": container.engine_id, "subject": container.name}
        return accepted(self.network_operation("disconnect", network, shown, task))
