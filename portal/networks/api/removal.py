"""`DELETE /api/v1/networks/{id}/` and `POST /api/v1/networks/prune/`: remove a network no
container is on, or every network no container uses."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from portal.api.validation import validated
from portal.networks.api.actions import NetworkActions
from portal.networks.checks import removable
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.operations.dispatch import submit

__all__ = ["RemovalActions"]


class PruneSerializer(serializers.Serializer):
    host = serializers.IntegerField()


class RemovalActions(NetworkActions):
    policy_actions = {"destroy": "network.manage", "prune": "network.manage"}

    @extend_schema(request=None, responses={202: OperationSerializer})
    def destroy(self, request, *args, **kwargs):
        """Remove the network: refused while containers are connected, or for the engine's own."""
        network = self.get_object()
        removable(network)
        return accepted(self.network_operation("remove", network, {}))

    @extend_schema(request=PruneSerializer, responses={202: OperationSerializer})
    @action(detail=False, methods=["post"])
    def prune(self, request):
        """Remove every network of the host that no container uses (`docker network prune`)."""
        validated(PruneSerializer, request.data)
        host = self.policy_host
        return accepted(submit(request, host, "network.prune", {}, target_type="network", target_repr=host.name))
