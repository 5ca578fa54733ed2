from django.db import models

from engine.reference import DEFAULT_TAG
from portal.access.querysets import RestrictedQuerySet
from portal.inventory.models import LIVE, MirroredModel, tombstone_index

__all__ = ["Image", "Tag"]


class Image(MirroredModel):
    """An image on a host's engine, as its worker last reported it.

    `layers` is its read-only layer stack, base to top: one entry per instruction of its history,
    `{diff_id, size, created_by, created, comment}`, with `diff_id` null for an instruction that
    made no layer. An image without tags is dangling.
    """

    size = models.BigIntegerField(default=0)
    created = models.DateTimeField(null=True, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    parent_id = models.CharField(max_length=128, blank=True)
    digests = models.JSONField(default=list, blank=True)
    layers = models.JSONField(default=list, blank=True)

    mirrored_fields = ("size", "created", "labels", "parent_id", "digests", "layers")

    class Meta:
        ordering = ["-created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["host", "engine_id"], name="image_unique_per_host"),
        ]
        indexes = [
            models.Index(fields=["host", "created"], condition=LIVE, name="image_live_by_host"),
            tombstone_index("image"),
        ]

    def __str__(self) -> str:
        return self.engine_id


class Tag(models.Model):
    """A name (`repository:tag`) pointing at an image on a host, with the registry digest when
    the engine knows it. On one host a name points at one image at most."""

    policy_host_field = "host"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="tags")
    # The image's host again, so tags are filtered and kept unique per host without a join.
    host = models.ForeignKey("hosts.Host", on_delete=models.CASCADE, related_name="image_tags")
    repository = models.CharField(max_length=255)
    tag = models.CharField(max_length=128, default=DEFAULT_TAG)
    digest = models.CharField(max_length=128, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["repository", "tag"]
        constraints = [
            models.UniqueConstraint(fields=["host", "repository", "tag"], name="tag_unique_per_host"),
        ]

    def __str__(self) -> str:
        return f"{self.repository}:{self.tag}"
