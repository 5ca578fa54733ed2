from django.conf import settings
from django.db import models

from portal.access.querysets import RestrictedQuerySet
from portal.operations.choices import ACTIVE_STATES, OperationKind, OperationState

__all__ = ["Operation"]


class Operation(models.Model):
    """One user-requested action on a host (pull, build, run, stop, push, …), run by its worker.

    `params` is what was asked, as validated (never a secret: registry credentials travel only
    inside the worker's task). `target_*` names what it acts on; `result` is what the worker
    answered (the `container_id`/`image_id` it made, a digest…); `progress` the last per-layer
    picture and step, `log` the last lines of its output. `worker_instance` is the worker that
    ran it, so one that died with it is noticed (portal.operations.liveness).
    """

    policy_host_field = "host"

    host = models.ForeignKey("hosts.Host", on_delete=models.CASCADE, related_name="operations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=32, choices=OperationKind)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=128, blank=True)
    target_repr = models.CharField(max_length=512, blank=True)
    params = models.JSONField(default=dict, blank=True)

    state = models.CharField(max_length=16, choices=OperationState, default=OperationState.PENDING)
    progress = models.JSONField(default=dict, blank=True)
    log = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    worker_instance = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "host"], name="operation_by_state"),
            models.Index(fields=["host", "-created_at"], name="operation_by_host"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target_repr}".strip()

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES
