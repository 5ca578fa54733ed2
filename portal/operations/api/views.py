from django.db.models import Q
from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from portal.api.query_params import bool_param, int_param
from portal.api.schema import reaches_out
from portal.api.viewsets import RestrictedViewSetMixin
from portal.operations.choices import ACTIVE_STATES, OperationKind, OperationState
from portal.operations.models import Operation
from portal.operations.resources import download_for

from .serializers import OperationDetailSerializer, OperationSerializer, made_objects

__all__ = ["OperationViewSet"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("host", int, description="Only operations on this host (its id)."),
            OpenApiParameter("state", str, description="pending, running, succeeded or failed."),
            OpenApiParameter("active", bool, description="`true`: only pending or running ones."),
            OpenApiParameter("kind", str, description="e.g. `image.pull`, `container.run`."),
            OpenApiParameter("mine", bool, description="`true`: only the ones I started."),
            OpenApiParameter("q", str, description="Search: target, user or kind containing this."),
        ]
    )
)
class OperationViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Operations on the hosts the user may see, newest first. Follow one live at `/ws/operations/{id}/`."""

    queryset = Operation.objects.select_related("host")
    serializer_class = OperationSerializer
    view_action = "operation.view"
    policy_actions = {"list": "operation.view", "retrieve": "operation.view", "download": "image.manage"}

    def get_serializer(self, *args, **kwargs):
        if self.action == "list" and args:
            kwargs.setdefault("context", self.get_serializer_context())["made"] = made_objects(args[0])
        return super().get_serializer(*args, **kwargs)

    def get_serializer_class(self):
        return OperationDetailSerializer if self.action == "retrieve" else OperationSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        queryset = queryset.defer("log")
        params = self.request.query_params
        if (host := int_param(self.request, "host")) is not None:
            queryset = queryset.filter(host_id=host)
        if state := params.get("state"):
            if state not in OperationState.values:
                raise ValidationError({"state": f"There is no operation state '{state}'."})
            queryset = queryset.filter(state=state)
        if bool_param(self.request, "active"):
            queryset = queryset.filter(state__in=ACTIVE_STATES)
        if kind := params.get("kind"):
            if kind not in OperationKind.values:
                raise ValidationError({"kind": f"There is no operation kind '{kind}'."})
            queryset = queryset.filter(kind=kind)
        if bool_param(self.request, "mine"):
            queryset = queryset.filter(user=self.request.user)
        if q := params.get("q", "").strip():
            queryset = queryset.filter(Q(target_repr__icontains=q) | Q(username__icontains=q) | Q(kind__icontains=q))
        return queryset

    @extend_schema(responses={(200, "application/x-tar"): bytes})
    @reaches_out
    @action(detail=True)
    def download(self, request, pk=None):
        """The tar of the image an export operation found (`docker save`), read from its host as it is
        downloaded (its length is not known ahead)."""
        operation = self.get_object()
        chunks, filename = download_for(operation, request.user)
        response = StreamingHttpResponse(chunks, content_type="application/x-tar")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
