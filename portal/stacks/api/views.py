from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.query_params import int_param
from portal.api.viewsets import RestrictedViewSetMixin
from portal.refusals import NotFound
from portal.stacks.api.lifecycle import StackLifecycle
from portal.stacks.api.serializers import StackDetailSerializer, StackSerializer, StackVersionSerializer
from portal.stacks.api.writes import StackWrites
from portal.stacks.models import Stack, StackVersion, VersionState
from portal.stacks.services import compose_containers

__all__ = ["StackViewSet"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("host", int, description="Only stacks on this host (its id)."),
            OpenApiParameter("q", str, description="Search: name containing this."),
            OpenApiParameter("source", str, description="Only stacks from this source: berth, git or external."),
        ]
    )
)
class StackViewSet(StackWrites, StackLifecycle, RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Compose projects on the hosts the user may see: those written in Berth and those found
    running (started with the CLI), each with its services, their containers and its state."""

    queryset = Stack.objects.select_related("host", "git")
    serializer_class = StackSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    view_action = "stack.view"
    policy_host_param = "host"
    policy_actions = {
        "list": "stack.view",
        "retrieve": "stack.view",
        "versions": "stack.view",
        "version": "stack.view",
        **StackWrites.policy_actions,
        **StackLifecycle.policy_actions,
    }

    def get_serializer_class(self):
        return StackDetailSerializer if self.action == "retrieve" else StackSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        if (host := int_param(self.request, "host")) is not None:
            queryset = queryset.filter(host_id=host)
        if q := self.request.query_params.get("q", "").strip():
            queryset = queryset.filter(Q(name__icontains=q))
        if source := self.request.query_params.get("source", "").strip():
            queryset = queryset.filter(source=source)
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        stacks = getattr(self, "_page_stacks", None)
        if stacks is not None:
            context["stack_containers"] = compose_containers({s.host_id for s in stacks}, {s.name for s in stacks})
            deployed = {}
            versions = StackVersion.objects.filter(stack__in=stacks, state=VersionState.DEPLOYED).order_by("number")
            for version in versions.only("stack_id", "number", "config", "commit"):
                deployed[version.stack_id] = version
            context["deployed_versions"] = deployed
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._page_stacks = list(page) if page is not None else list(queryset)
        return page

    def retrieve(self, request, *args, **kwargs):
        stack = self.get_object()
        self._page_stacks = [stack]
        return Response(self.get_serializer(stack).data)

    def _version_rows(self, stack: Stack):
        return stack.versions.select_related("stack", "operation").order_by("-number")

    @extend_schema(responses={200: StackVersionSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        """Every version deployed (or tried) of the stack, newest first."""
        stack = self.get_object()
        page = self.paginator.paginate_queryset(self._version_rows(stack), request, view=self)
        data = StackVersionSerializer(page, many=True, context={"request": request}).data
        return self.paginator.get_paginated_response(data)

    @extend_schema(responses={200: StackVersionSerializer})
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[0-9]{1,9})")
    def version(self, request, pk=None, number=None):
        """One version: its file, its .env (values masked below developer), who and when."""
        stack = self.get_object()
        found = self._version_rows(stack).filter(number=int(number)).first()
        if found is None:
            raise NotFound(f"Stack {stack.name} has no version {number}.")
        return Response(StackVersionSerializer(found, context={"request": request}).data)
