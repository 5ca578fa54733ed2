from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from portal.api.query_params import int_param
from portal.api.viewsets import RestrictedViewSetMixin
from portal.containers.links import ContainerLinksMixin
from portal.inventory.rows import ListRow, RowsListMixin
from portal.networks.api.create import CreateNetworkAction
from portal.networks.api.endpoints import EndpointActions
from portal.networks.api.removal import RemovalActions
from portal.networks.models import Network

from .serializers import LIST_COLUMNS, NetworkSerializer

__all__ = ["NetworkViewSet"]


class NetworkRow(ListRow):
    """A row of the list, with the properties of a network its serializer reads."""

    __slots__ = ()
    subnets = Network.subnets
    predefined = Network.predefined


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("host", int, description="Only networks on this host (its id)."),
            OpenApiParameter(
                "q", str, description="Search: name or driver containing this, or an id starting with it."
            ),
        ]
    )
)
class NetworkViewSet(
    CreateNetworkAction,
    RemovalActions,
    EndpointActions,
    ContainerLinksMixin,
    RowsListMixin,
    RestrictedViewSetMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Networks on the hosts the user may see, as their engines last reported them, each with
    the containers on it. Lists leave out removed networks; a removed network's own URL still
    answers, with `removed_at` set."""

    queryset = Network.objects.select_related("host")
    list_columns = LIST_COLUMNS  # its page read as plain rows (portal/inventory/rows.py)
    row_class = NetworkRow
    serializer_class = NetworkSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    view_action = "network.view"
    # The host a create or prune names in its body, asked of the policy by PolicyPermission.
    policy_host_param = "host"
    policy_actions = {
        "list": "network.view",
        "retrieve": "network.view",
        **CreateNetworkAction.policy_actions,
        **RemovalActions.policy_actions,
        **EndpointActions.policy_actions,
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        # The list reads only what it shows: the columns its rows are written from.
        queryset = queryset.live().only(*LIST_COLUMNS)
        if (host := int_param(self.request, "host")) is not None:
            queryset = queryset.filter(host_id=host)
        if q := self.request.query_params.get("q", "").strip():
            queryset = queryset.filter(
                Q(name__icontains=q) | Q(driver__icontains=q) | Q(engine_id__startswith=q.lower())
            )
        return queryset
