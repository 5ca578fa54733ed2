from functools import cached_property

from django.db import models

from portal.access.dangerous import container_dangers
from portal.containers.choices import ContainerState
from portal.inventory.models import LIVE, MirroredModel, tombstone_index

__all__ = ["Container"]


class Container(MirroredModel):
    """A container on a host's engine, as its worker last reported it.

    `image` is the reference it was created from (as the user wrote it), `image_id` the image it
    runs. `inspect` is the engine's full inspect body, null until the worker first inspected it;
    `started_at` … `health` come from that body and are kept when a record brings none.
    """

    name = models.CharField(max_length=255)
    image = models.CharField(max_length=512, blank=True)
    image_id = models.CharField(max_length=128, blank=True)
    command = models.TextField(blank=True)
    # Not limited to the choices: an engine's new state is recorded as it is.
    state = models.CharField(max_length=32, choices=ContainerState, default=ContainerState.CREATED)
    created = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    exit_code = models.IntegerField(null=True, blank=True)
    ports = models.JSONField(default=list, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    mounts = models.JSONField(default=list, blank=True)
    networks = models.JSONField(default=list, blank=True)
    restart_count = models.PositiveIntegerField(default=0)
    health = models.CharField(max_length=32, blank=True)
    inspect = models.JSONField(null=True, blank=True)

    mirrored_fields = (
        "name",
        "image",
        "image_id",
        "command",
        "state",
        "created",
        "started_at",
        "finished_at",
        "exit_code",
        "ports",
        "labels",
        "mounts",
        "networks",
        "restart_count",
        "health",
        "inspect",
    )
    lazy_fields = ("inspect",)

    class Meta:
        ordering = ["name", "host_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["host", "engine_id"], name="container_unique_per_host"),
        ]
        indexes = [
            models.Index(fields=["name", "host"], condition=LIVE, name="container_live_by_name"),
            models.Index(fields=["host", "name"], condition=LIVE, name="container_live_by_host"),
            models.Index(fields=["host", "state"], condition=LIVE, name="container_live_by_state"),
            models.Index(fields=["state"], condition=LIVE, name="container_live_state"),
            tombstone_index("container"),
        ]

    @cached_property
    def dangers(self) -> list[str]:
        """What its configuration has that amounts to root on the host (the policy reads it)."""
        return container_dangers(self.inspect)

    def __str__(self) -> str:
        return self.name
