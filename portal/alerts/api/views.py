"""`/api/v1/alerts/`, `/api/v1/alert-rules/`, `/api/v1/alert-channels/`: alerts in the user's scope
(acknowledge, mute), and their teams' rules and channels (written by team admins, tested)."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.alerts import changes
from portal.alerts.choices import AlertState
from portal.alerts.models import Alert, AlertChannel, AlertEntry, AlertRule, Delivery
from portal.api.query_params import int_param
from portal.api.viewsets import RestrictedModelViewSet, RestrictedViewSetMixin

from .serializers import (
    AlertChannelSerializer,
    AlertDetailSerializer,
    AlertRuleSerializer,
    AlertSerializer,
    MuteSerializer,
    TestResultSerializer,
)

__all__ = ["AlertChannelViewSet", "AlertRuleViewSet", "AlertViewSet"]

RULES_VIEW, RULES_MANAGE = "alertrule.view", "alertrule.manage"
TEAM_OWNED_ACTIONS = {
    "list": RULES_VIEW,
    "retrieve": RULES_VIEW,
    "create": RULES_MANAGE,
    "partial_update": RULES_MANAGE,
    "destroy": RULES_MANAGE,
}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "state",
                str,
                enum=["firing", "acknowledged", "resolved", "open"],
                description="`open`: firing or acknowledged.",
            ),
            OpenApiParameter("host", int, description="Only alerts about this host (its id)."),
            OpenApiParameter("rule", int, description="Only alerts of this rule (its id)."),
            OpenApiParameter(
                "subject", str, description="Only alerts about this subject (a container's name, a host's)."
            ),
        ]
    )
)
class AlertViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Alerts about the hosts the user may see, newest first, each with its timeline."""

    queryset = Alert.objects.select_related("host", "acknowledged_by")
    serializer_class = AlertSerializer
    view_action = "alert.view"
    policy_actions = {
        "list": "alert.view",
        "retrieve": "alert.view",
        "acknowledge": "alert.acknowledge",
        "mute": "alert.acknowledge",
    }

    def get_serializer_class(self):
        return AlertSerializer if self.action == "list" else AlertDetailSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset.prefetch_related(
                Prefetch("entries", AlertEntry.objects.order_by("at", "id")),
                Prefetch("deliveries", Delivery.objects.select_related("channel")),
            )
        state = self.request.query_params.get("state", "")
        if state == "open":
            queryset = queryset.exclude(state=AlertState.RESOLVED)
        elif state in AlertState.values:
            queryset = queryset.filter(state=state)
        if (host := int_param(self.request, "host")) is not None:
            queryset = queryset.filter(host_id=host)
        if (rule := int_param(self.request, "rule")) is not None:
            queryset = queryset.filter(rule_id=rule)
        if subject := self.request.query_params.get("subject", ""):
            queryset = queryset.filter(subject=subject)
        return queryset

    def _answer(self, alert):
        return Response(AlertDetailSerializer(self.get_queryset().get(pk=alert.pk)).data)

    @extend_schema(request=None, responses=AlertDetailSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Acknowledge a firing alert (someone is on it); it still resolves by itself. 409 once resolved."""
        return self._answer(changes.acknowledge_alert(request, self.get_object()))

    @extend_schema(request=MuteSerializer, responses=AlertDetailSerializer)
    @action(detail=True, methods=["post"])
    def mute(self, request, pk=None):
        """Tell nobody about this alert's subject (the container, the host) on its host for
        `seconds` (default 2 hours); its alerts still fire and show."""
        alert = self.get_object()
        body = MuteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes.mute_alert(request, alert, body.validated_data["seconds"])
        return self._answer(alert)


class AuditedWrites:
    """Creates, changes and deletes through the functions of portal/alerts/changes.py that save and audit."""

    writes: tuple = ()  # (create, change, delete)

    def perform_create(self, serializer):
        serializer.instance = self.writes[0](self.request, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self.writes[1](self.request, serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        self.writes[2](self.request, instance)


class AlertRuleViewSet(AuditedWrites, RestrictedModelViewSet):
    """The alert rules of the user's teams. Team admins (admins through the team's own bindings)
    and admins of every host write them."""

    queryset = AlertRule.objects.select_related("team").prefetch_related("hosts", "channels")
    serializer_class = AlertRuleSerializer
    view_action = RULES_VIEW
    policy_actions = TEAM_OWNED_ACTIONS

    writes = (changes.create_rule, changes.change_rule, changes.delete_rule)


class AlertChannelViewSet(AuditedWrites, RestrictedModelViewSet):
    """Where the user's teams' alerts are told. Secrets are write-only; "test" sends a message now."""

    queryset = AlertChannel.objects.select_related("team")
    serializer_class = AlertChannelSerializer
    view_action = RULES_VIEW
    policy_actions = {**TEAM_OWNED_ACTIONS, "test": RULES_MANAGE}

    writes = (changes.create_channel, changes.change_channel, changes.delete_channel)

    @extend_schema(request=None, responses=TestResultSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a test message to the channel now; `state` says whether it went, `error` why not."""
        delivery = changes.test_channel(request, self.get_object())
        return Response({"delivery": delivery.pk, "state": delivery.state, "error": delivery.error})
