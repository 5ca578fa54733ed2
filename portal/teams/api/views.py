from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from portal.api.viewsets import RestrictedViewSetMixin
from portal.teams import changes
from portal.teams.models import RoleBinding, Team, TeamMembership

from .serializers import BindingSerializer, MemberSerializer, TeamSerializer

__all__ = ["BindingViewSet", "MemberViewSet", "TeamViewSet"]

User = get_user_model()

TEAM_PATH = OpenApiParameter("team_pk", int, OpenApiParameter.PATH, description="The team's id.")


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("q", str, description="Only teams whose name contains this.")])
)
class TeamViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Teams. Their members and role bindings decide who sees and does what on which hosts;
    only admins of every host manage them."""

    queryset = Team.objects.prefetch_related(
        Prefetch("members", queryset=User.objects.order_by("username").only("pk", "username"))
    )
    serializer_class = TeamSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    view_action = "team.manage"
    policy_actions = {
        "list": "team.manage",
        "retrieve": "team.manage",
        "create": "team.manage",
        "partial_update": "team.manage",
        "destroy": "team.manage",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if q := self.request.query_params.get("q", "").strip():
            queryset = queryset.filter(name__icontains=q)
        return queryset

    def perform_create(self, serializer):
        serializer.instance = changes.create_team(self.request, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = changes.change_team(self.request, serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        changes.delete_team(self.request, instance)


class TeamChildViewSet(RestrictedViewSetMixin, viewsets.GenericViewSet):
    """Rows under one team (`team_pk` in the URL); a team the user may not see is a 404."""

    view_action = "team.manage"
    team: Team

    def check_permissions(self, request):
        # Found before any permission is weighed: a team the user may not see is a 404 for every
        # method (a 403 on POST would confirm it exists); anonymous callers still get their 401.
        if request.user and request.user.is_authenticated:
            teams = Team.objects.restrict(request, self.view_action)
            self.team = get_object_or_404(teams, pk=self.kwargs["team_pk"])
        super().check_permissions(request)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no team
            return self.queryset.none()
        return super().get_queryset().filter(team=self.team)


@extend_schema_view(
    list=extend_schema(parameters=[TEAM_PATH]),
    create=extend_schema(parameters=[TEAM_PATH]),
    destroy=extend_schema(
        parameters=[TEAM_PATH, OpenApiParameter("user_id", int, OpenApiParameter.PATH, description="The member's id.")]
    ),
)
class MemberViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, TeamChildViewSet):
    """A team's members: add one by user id, remove one by user id."""

    queryset = TeamMembership.objects.select_related("user").order_by("user__username")
    serializer_class = MemberSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    lookup_field = "user_id"
    policy_actions = {"list": "team.manage", "create": "team.manage", "destroy": "team.manage"}

    def perform_create(self, serializer):
        serializer.instance = changes.add_member(self.request, self.team, serializer.context["member"])

    def perform_destroy(self, instance):
        changes.remove_member(self.request, instance)


@extend_schema_view(
    list=extend_schema(parameters=[TEAM_PATH]),
    create=extend_schema(parameters=[TEAM_PATH]),
    partial_update=extend_schema(parameters=[TEAM_PATH]),
    destroy=extend_schema(parameters=[TEAM_PATH]),
)
class BindingViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TeamChildViewSet,
):
    """A team's role bindings: a role on all hosts, or on a set of hosts."""

    queryset = RoleBinding.objects.prefetch_related("hosts").order_by("pk")
    serializer_class = BindingSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    policy_actions = {
        "list": "team.manage",
        "create": "team.manage",
        "partial_update": "team.manage",
        "destroy": "team.manage",
    }

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = changes.add_binding(
            self.request,
            self.team,
            role=data["role"],
            all_hosts=data.get("all_hosts", False),
            hosts=data.get("hosts", []),
        )

    def perform_update(self, serializer):
        serializer.instance = changes.change_binding(self.request, serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        changes.remove_binding(self.request, instance)
