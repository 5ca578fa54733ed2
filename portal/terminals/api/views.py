from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action

from portal.api.query_params import int_param
from portal.api.viewsets import RestrictedViewSetMixin
from portal.terminals.files import recording_response
from portal.terminals.models import TerminalSession

from .serializers import TerminalSessionSerializer

__all__ = ["TerminalSessionViewSet"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("host", int, description="Only sessions on this host (its id)."),
            OpenApiParameter("container", int, description="Only sessions on this container (its id)."),
            OpenApiParameter("user", str, description="Only sessions of this username."),
        ]
    )
)
class TerminalSessionViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Terminal and attach sessions: one's own, and everyone's on hosts one administers.
    Each has its asciicast v2 recording at `recording/` until BERTH_RECORDING_DAYS pass."""

    queryset = TerminalSession.objects.all()
    serializer_class = TerminalSessionSerializer
    http_method_names = ["get", "head", "options"]
    view_action = "session.view"
    policy_actions = {"list": "session.view", "retrieve": "session.view", "recording": "session.view"}

    def get_queryset(self):
        # One's own sessions are always visible; others' need session.view on their host.
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        if (host := int_param(self.request, "host")) is not None:
            queryset = queryset.filter(host_id=host)
        if (container := int_param(self.request, "container")) is not None:
            queryset = queryset.filter(container_id=container)
        if user := self.request.query_params.get("user", "").strip():
            queryset = queryset.filter(username=user)
        return queryset

    @extend_schema(responses={(200, "application/x-asciicast"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"])
    def recording(self, request, pk=None):
        """The session's recording, asciicast v2 (one JSON header line, then one event per line)."""
        return recording_response(self.get_object())
