from django.conf import settings
from django.db import models

from portal.access.querysets import RestrictedQuerySet
from portal.audit.choices import Outcome

__all__ = ["AuditEvent", "ImmutableAuditEvent"]


class ImmutableAuditEvent(Exception):
    """Audit events are written once and never changed or deleted through Berth."""


class AuditQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise ImmutableAuditEvent("Audit events cannot be changed.")

    def delete(self):
        raise ImmutableAuditEvent("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """One thing done (or attempted) in Berth. Names are copied, so the event still reads right
    after the user, host or object is gone."""

    # Events tied to no host (logins, teams) only who may read audit on all hosts reads.
    policy_host_field = "host"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=128, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    host = models.ForeignKey("hosts.Host", null=True, blank=True, on_delete=models.SET_NULL)
    host_name = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome, default=Outcome.SUCCESS)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["host", "-created_at"]), models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableAuditEvent("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableAuditEvent("Audit events cannot be deleted.")
