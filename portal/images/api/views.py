from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.access.secrets import mask_layers, may_see_secrets
from portal.api.query_params import bool_param, int_param
from portal.api.viewsets import RestrictedViewSetMixin
from portal.images.api.archive import ArchiveActions
from portal.images.api.build import BuildAction
from portal.images.api.pull import PullAction
from portal.images.api.push import PushAction
from portal.images.api.tags import TagActions
from portal.images.history import layer_stack
from portal.images.models import Image, Tag

from .serializers import ImageSerializer, LayerSerializer

__all__ = ["ImageViewSet"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("host", int, description="Only images on this host (its id)."),
            OpenApiParameter("q", str, description="Search: a tag (`repository:tag`) containing this, or an id."),
            OpenApiParameter("dangling", bool, description="`true`: only images without tags; `false`: only tagged."),
        ]
    )
)
class ImageViewSet(
    PullAction,
    BuildAction,
    PushAction,
    TagActions,
    ArchiveActions,
    RestrictedViewSetMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Images on the hosts the user may see, as their engines last reported them.

    Lists leave out removed images; a removed image's own URL still answers, with `removed_at` set."""

    queryset = Image.objects.select_related("host").prefetch_related("tags")
    serializer_class = ImageSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    view_action = "image.view"
    # The host a pull, build, prune or import names in its body, asked of the policy by PolicyPermission.
    policy_host_param = "host"
    policy_actions = {
        "list": "image.view",
        "retrieve": "image.view",
        "history": "image.view",
        **PullAction.policy_actions,
        **BuildAction.policy_actions,
        **PushAction.policy_actions,
        **TagActions.policy_actions,
        **ArchiveActions.policy_actions,
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "history":
            return queryset.prefetch_related(None)  # layer_stack reads the tags it needs
        if self.action != "list":
            return queryset
        queryset = queryset.live()
        if (host := int_param(self.request, "host")) is not None:
            queryset = queryset.filter(host_id=host)
        if q := self.request.query_params.get("q", "").strip():
            named = (
                Tag.objects.filter(image=OuterRef("pk"))
                .annotate(name=Concat("repository", Value(":"), "tag"))
                .filter(name__icontains=q)
            )
            queryset = queryset.filter(
                Exists(named) | Q(engine_id__startswith=q.lower()) | Q(engine_id__startswith=f"sha256:{q.lower()}")
            )
        if (dangling := bool_param(self.request, "dangling")) is not None:
            tagged = Exists(Tag.objects.filter(image=OuterRef("pk")))
            queryset = queryset.filter(~tagged if dangling else tagged)
        return queryset

    @extend_schema(responses=LayerSerializer(many=True))
    @action(detail=True, pagination_class=None)
    def history(self, request, pk=None):
        """The image's layers from base to top, each with the instruction that made it and the
        other images on the same host that share it. Values in the instructions (ENV, ARG) are
        masked below developer on the image's host."""
        image = self.get_object()
        layers = layer_stack(image)
        if not may_see_secrets(request, image.host_id):
            layers = mask_layers(layers)
        return Response(LayerSerializer(layers, many=True).data)
