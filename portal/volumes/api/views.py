from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from portal.api.query_params import bool_param, int_param
from portal.api.viewsets import RestrictedViewSetMixin
from portal.containers.links import ContainerLinksMixin
from portal.inventory.rows import ListRow, RowsListMixin
from portal.volumes.api.actions import VolumeActions
from portal.volumes.models import Volume

from .serializers import LIST_COLUMNS, VolumeSerializer

__all__ = ["VolumeViewSet"]


class VolumeRow(ListRow):
    """A row of the list, with the properties of a volume its serializer reads."""

    __slots__ = ()
    dangers = Volume.dangers


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("host", int, description="Only volumes on this host (its id)."),
            OpenApiParameter("q", str, description="Search: name or driver containing this."),
            OpenApiParameter(
                "dangling", bool, description="`true`: only volumes no container uses; `false`: only used."
            ),
        ]
    )
)
class VolumeViewSet(
    VolumeActions, ContainerLinksMixin, RowsListMixin, RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet
):
    """Volumes on the hosts the user may see, as their engines last reported them, each with the
    containers that mount it. Lists leave out removed volumes; a removed volume's own URL still
    answers, with `removed_at` set."""

    queryset = Volume.objects.select_related("host")
    list_columns = LIST_COLUMNS  # its page read as plain rows (portal/inventory/rows.py)
    row_class = VolumeRow
    serializer_class = VolumeSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    view_action = "volume.view"
    # The host a create or prune names in its body, asked of the policy by PolicyPermission.
    policy_host_param = "host"
    policy_actions = {"list": "volume.view", "retrieve": "volume.view", **VolumeActions.policy_actions}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        # The list reads only what it shows: the columns its rows are written from.
        queryset = queryset.live().only(*LIST_COLUMNS)
        if (host := int_param(self.request, "host")) is not None:
            queryset = queryset.filter(host_id=host)
        if q := self.request.query_params.get("q", "").strip():
            queryset = queryset.filter(Q(engine_id__icontains=q) | Q(driver__icontains=q))
        if (dangling := bool_param(self.request, "dangling")) is not None:
            queryset = queryset.filter(container_count=0) if dangling else queryset.filter(container_count__gt=0)
        return queryset
