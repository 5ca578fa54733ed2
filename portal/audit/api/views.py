from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from portal.access.policy import ANYWHERE, can
from portal.api.permissions import PolicyPermission
from portal.api.viewsets import RestrictedViewSetMixin
from portal.audit.export import csv_response
from portal.audit.filters import AuditFilter, BadFilter
from portal.audit.models import AuditEvent

from .serializers import AuditEventSerializer

__all__ = ["AuditEventViewSet"]

FILTER_PARAMETERS = [
    OpenApiParameter("user", str, description="A user id or username (failed logins are found by the name tried)."),
    OpenApiParameter(
        "action", str, description="One action, like `host.change`, or every action under a prefix: `team.`."
    ),
    OpenApiParameter("host", str, description="A host id or slug."),
    OpenApiParameter("outcome", str, enum=["success", "failure", "denied"]),
    OpenApiParameter(
        "since", str, description="ISO 8601 date or date-time: events at or after it (no offset: Berth's time zone)."
    ),
    OpenApiParameter(
        "until", str, description="ISO 8601 date or date-time: events up to it; a bare date includes that whole day."
    ),
]


class AuditPermission(PolicyPermission):
    """Only an admin of some host reads the audit trail; anyone else is refused rather than
    shown an empty list, since they could never see a row."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return can(request, view.view_action, ANYWHERE) or self.refuse(request, view, view.view_action)


@extend_schema_view(list=extend_schema(parameters=FILTER_PARAMETERS))
class AuditEventViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The audit trail: who did (or tried) what, to what, on which host, from where.

    An admin of some hosts reads the events of those hosts; events tied to no host (logins,
    teams, users) only admins of every host read. Events cannot be created, changed or deleted."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    permission_classes = [AuditPermission]
    http_method_names = ["get", "head", "options"]
    view_action = "audit.view"
    policy_actions = {"list": "audit.view", "retrieve": "audit.view", "export": "audit.view"}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action not in ("list", "export"):
            return queryset
        try:
            return AuditFilter.from_query(self.request.query_params).apply(queryset)
        except BadFilter as exc:
            raise ValidationError({exc.field: exc.message}, code="invalid") from None

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The events, newest first.")},
    )
    @action(detail=False, pagination_class=None)
    def export(self, request):
        """The events the same filters select, as a CSV download (streamed, however many)."""
        return csv_response(request, self.get_queryset())
