from functools import cached_property

from django.db import models

from portal.access.dangerous import volume_dangers
from portal.inventory.models import LIVE, MirroredModel, tombstone_index

__all__ = ["Volume"]


class Volume(MirroredModel):
    """A named volume on a host's engine, as its worker last reported it; its name is its
    `engine_id`. `containers` are the containers that mount it, `{engine_id, name, destination,
    rw}`, and `container_count` how many (none: dangling). `size` is in bytes when the engine told."""

    driver = models.CharField(max_length=64, blank=True)
    mountpoint = models.TextField(blank=True)
    scope = models.CharField(max_length=32, blank=True)
    options = models.JSONField(default=dict, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(null=True, blank=True)
    containers = models.JSONField(default=list, blank=True)
    container_count = models.PositiveIntegerField(default=0)
    size = models.BigIntegerField(null=True, blank=True)

    mirrored_fields = (
        "driver",
        "mountpoint",
        "scope",
        "options",
        "labels",
        "created",
        "containers",
        "container_count",
        "size",
    )

    class Meta:
        ordering = ["engine_id", "host_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["host", "engine_id"], name="volume_unique_per_host"),
        ]
        indexes = [
            models.Index(fields=["engine_id", "host"], condition=LIVE, name="volume_live_by_name"),
            models.Index(fields=["host", "container_count"], condition=LIVE, name="volume_live_by_use"),
            tombstone_index("volume"),
        ]

    @property
    def name(self) -> str:
        return self.engine_id

    @cached_property
    def dangers(self) -> list[str]:
        """What its driver options amount to on the host (a host path it binds), in the run's words."""
        return volume_dangers(self.engine_id, self.driver, self.options)

    def __str__(self) -> str:
        return self.engine_id
