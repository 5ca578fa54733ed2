from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from portal.api.query_params import int_param
from portal.api.viewsets import RestrictedViewSetMixin
from portal.containers.api.changes import ChangesAction
from portal.containers.api.commit import CommitAction
from portal.containers.api.lifecycle import LifecycleActions
from portal.containers.api.run import RunAction
from portal.containers.models import Container
from portal.inventory.rows import RowsListMixin

from .serializers import LIST_COLUMNS, ContainerDetailSerializer, ContainerSerializer

__all__ = ["ContainerViewSet"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("host", int, description="Only containers on this host (its id)."),
            OpenApiParameter("state", str, description="Only containers in this state, e.g. `running`."),
            OpenApiParameter("name", str, description="Only containers whose name contains this."),
            OpenApiParameter("q", str, description="Search: name or image containing this, or an id starting with it."),
        ]
    )
)
class ContainerViewSet(
    RunAction,
    LifecycleActions,
    CommitAction,
    ChangesAction,
    RowsListMixin,
    RestrictedViewSetMixin,
    viewsets.ModelViewSet,
):
    """Containers on the hosts the user may see, as their engines last reported them.

    Lists leave out removed containers; a removed container's own URL still answers, with
    `removed_at` set."""

    queryset = Container.objects.select_related("host")
    serializer_class = ContainerSerializer
    list_columns = LIST_COLUMNS  # its page read as plain rows (portal/inventory/rows.py)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    view_action = "container.view"
    # The host a run names in its body, asked of the policy by PolicyPermission.
    policy_host_param = "host"
    policy_actions = {
        "list": "container.view",
        "retrieve": "container.view",
        **RunAction.policy_actions,
        **LifecycleActions.policy_actions,
        **CommitAction.policy_actions,
        **ChangesAction.policy_actions,
    }

    def get_serializer_class(self):
        return ContainerDetailSerializer if self.action == "retrieve" else ContainerSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        # The list reads only what it shows: the inspect bodies (and the host's facts) stay in the database.
        queryset = queryset.live().only(*LIST_COLUMNS)
        params = self.request.query_params
        if (host := int_param(self.request, "host")) is not None:
            queryset = queryset.filter(host_id=host)
        if state := params.get("state"):
            queryset = queryset.filter(state=state.lower())
        if name := params.get("name"):
            queryset = queryset.filter(name__icontains=name)
        if q := params.get("q", "").strip():
            queryset = queryset.filter(
                Q(name__icontains=q) | Q(image__icontains=q) | Q(engine_id__startswith=q.lower())
            )
        return queryset
