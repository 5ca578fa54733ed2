from rest_framework import serializers

from portal.images.models import Image
from portal.inventory.serializers import MirroredSerializer

__all__ = ["ImageSerializer", "LayerSerializer"]


class ImageSerializer(MirroredSerializer):
    """An image with its tags as `repository:tag`. `dangling` means no tag points at it."""

    tags = serializers.SerializerMethodField()
    dangling = serializers.SerializerMethodField()
    layer_count = serializers.SerializerMethodField()

    class Meta:
        model = Image
        fields = [
            "id",
            "host",
            "host_name",
            "engine_id",
            "tags",
            "digests",
            "size",
            "created",
            "labels",
            "parent_id",
            "dangling",
            "layer_count",
            "removed_at",
            "removed_by",
            "stale",
            "updated_at",
        ]
        read_only_fields = fields

    def get_tags(self, image: Image) -> list[str]:
        return [str(tag) for tag in image.tags.all()]

    def get_dangling(self, image: Image) -> bool:
        return not image.tags.all()

    def get_layer_count(self, image: Image) -> int:
        """Read-only layers (instructions that made no layer are not counted)."""
        return sum(1 for layer in image.layers or [] if isinstance(layer, dict) and layer.get("diff_id"))


class SharingImageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    engine_id = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())


class LayerSerializer(serializers.Serializer):
    """One instruction of an image's history; `diff_id` is null when it made no layer."""

    diff_id = serializers.CharField(allow_null=True)
    size = serializers.IntegerField()
    created_by = serializers.CharField(allow_blank=True)
    created = serializers.DateTimeField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)
    shared_with = SharingImageSerializer(many=True)
