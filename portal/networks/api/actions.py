"""What every network action of the API shares: the network it acts on (a removed one is a 409)
and the operation it sends for it (portal.operations.dispatch.submit)."""

from __future__ import annotations

from portal.networks.models import Network
from portal.operations.dispatch import submit
from portal.operations.models import Operation
from portal.refusals import Conflict

__all__ = ["NetworkActions"]


class NetworkActions:
    """Base of the action mixins of NetworkViewSet."""

    def live_network(self) -> Network:
        network = self.get_object()
        if network.is_removed:
            raise Conflict(f"Network {network.name} was removed.", "removed")
        return network

    def network_operation(self, kind: str, network: Network, shown: dict, task: dict | None = None) -> Operation:
        """`shown` is recorded; the worker gets `task` (default `shown`) with the network's id and a
        `subject` for the engine's refusals (the network's name unless `task` names another)."""
        params = {"network_id": network.engine_id, "subject": network.name, **(task or shown)}
        return submit(
            self.request,
            network.host,
            f"network.{kind}",
            {"network": network.name, **shown},
            target=network,
            task_params=params,
        )
