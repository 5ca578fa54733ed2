"""`/api/v1/registries/`: registries, their repositories and tags, Test connection, and search.

Registry failures answer as 4xx with a sentence (see portal/registries/client/errors.py for the
status of each kind); a registry the user may not see is a 404 like anything else."""

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from portal.api.schema import reaches_out
from portal.api.viewsets import RestrictedViewSetMixin
from portal.registries import browse, changes
from portal.registries.checks import check_connection
from portal.registries.encryption import SecretUnreadable
from portal.registries.models import Registry

from .serializers import (
    ConnectionSerializer,
    RegistrySerializer,
    RepositorySerializer,
    SearchSerializer,
    TagSerializer,
)

__all__ = ["RegistryViewSet"]

VIEW, MANAGE = "registry.view", "registry.manage"
QUERY = OpenApiParameter("q", str, description="Only repositories whose name contains this.")
REPOSITORY = OpenApiParameter(
    "repository", str, OpenApiParameter.PATH, description="The repository's name (may contain slashes)."
)


def _answer(exc: Exception, **extra) -> Response:
    body = {"detail": str(exc), "code": getattr(exc, "code", "error"), **extra}
    return Response(body, status=getattr(exc, "status", 400))


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("q", str, description="Name contains this.")]))
class RegistryViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Registries: Docker Hub (built in, seen by everyone) and the private registries of the
    user's teams. Admins of every host add, edit and remove them. Passwords are write-only."""

    queryset = Registry.objects.select_related("team")
    serializer_class = RegistrySerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = "[0-9]+"
    view_action = VIEW
    policy_actions = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": MANAGE,
        "partial_update": MANAGE,
        "destroy": MANAGE,
        "test": VIEW,
        "repositories": VIEW,
        "tags": VIEW,
        "tag": VIEW,
        "search": VIEW,
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list" and (q := self.request.query_params.get("q", "").strip()):
            queryset = queryset.filter(name__icontains=q)
        return queryset

    # --- changes --------------------------------------------------------------------------------

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = changes.create_registry(self.request, check=data.pop("check_connection", True), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        check = data.pop("check_connection", True)
        serializer.instance = changes.change_registry(self.request, serializer.instance, check=check, **data)

    def perform_destroy(self, instance):
        changes.delete_registry(self.request, instance)

    # --- the registry itself ----------------------------------------------------------------------

    @extend_schema(request=None, responses=ConnectionSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Test connection: whether the registry answered and accepted the saved credentials. A
        failure answers 4xx with the sentence, and `answered`/`credentials` as on success."""
        registry = self.get_object()
        try:
            password = registry.password()
        except SecretUnreadable as exc:
            return _answer(exc, ok=False, answered=False, credentials="not checked")
        report = check_connection(
            registry.url, registry.username, password, registry.verify_tls, token_realm=registry.token_realm
        )
        body = {"ok": report.ok, "answered": report.answered, "credentials": report.credentials}
        if not report.ok:
            return _answer(report.error, **body)
        return Response({**body, "detail": report.detail})

    @extend_schema(parameters=[QUERY], responses=RepositorySerializer(many=True))
    @reaches_out
    @action(detail=True, methods=["get"])
    def repositories(self, request, pk=None):
        """The registry's repositories (its `/v2/_catalog`, every page of it), searched by name and
        paginated here. Docker Hub lists no catalog: give `q` to search it."""
        registry = self.get_object()
        names = browse.repositories(registry, request.query_params.get("q", ""))
        page = self.paginate_queryset(names)
        return self.get_paginated_response([{"name": name} for name in page])

    @extend_schema(parameters=[REPOSITORY], responses=TagSerializer(many=True))
    @reaches_out
    @action(detail=True, methods=["get"], url_path=r"repositories/(?P<repository>.+)/tags")
    def tags(self, request, pk=None, repository=""):
        """A repository's tags in natural order, each with digest, size, created and architecture
        read from its manifest (only the tags of the page asked for are read)."""
        registry = self.get_object()
        page = self.paginate_queryset(browse.tag_names(registry, repository))
        details = browse.tag_details(registry, repository, list(page))
        return self.get_paginated_response(self._tags(registry, repository, details))

    @extend_schema(parameters=[REPOSITORY], responses=TagSerializer)
    @reaches_out
    @action(detail=True, methods=["get"], url_path=r"repositories/(?P<repository>.+)/tags/(?P<tag>[^/]+)")
    def tag(self, request, pk=None, repository="", tag=""):
        """One tag's details; 404 when the repository or the tag does not exist."""
        registry = self.get_object()
        return Response(self._tags(registry, repository, browse.tag_details(registry, repository, [tag]))[0])

    @staticmethod
    def _tags(registry: Registry, repository: str, details) -> list[dict]:
        rows = []
        for detail in details:
            row = asdict(detail)
            row["reference"] = registry.image_reference(repository, detail.name)
            rows.append(row)
        return TagSerializer(rows, many=True).data

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="Part of a repository name.")],
        responses=SearchSerializer,
    )
    @reaches_out
    @action(detail=False, methods=["get"])
    def search(self, request):
        """Repositories whose name contains `q`, in every registry the user sees, asked at once
        (Docker Hub through its search). A registry that fails is named in `unreachable` with its
        reason; the others still answer."""
        term = request.query_params.get("q", "").strip()
        if not term:
            raise ValidationError({"q": "Type part of a repository name to search for."})
        registries = list(Registry.objects.restrict(request, VIEW))
        answer = browse.search_registries(registries, term)
        return Response(
            {
                "results": [
                    {"registry": r.pk, "registry_name": r.name, "name": hit.name, "description": hit.description}
                    for r, hit in answer.hits
                ],
                "unreachable": [
                    {"registry": r.pk, "registry_name": r.name, "detail": detail} for r, detail in answer.failures
                ],
            }
        )
