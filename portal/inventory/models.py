"""What every mirrored engine object (container, image) has in common."""

from django.db import models

from portal.access.querysets import RestrictedQuerySet

__all__ = ["MirroredModel", "MirroredQuerySet"]


class MirroredQuerySet(RestrictedQuerySet):
    def live(self):
        """Rows the engine still has: tombstones left out."""
        return self.filter(removed_at__isnull=True)


class MirroredModel(models.Model):
    """An object on a host's engine as its worker last reported it.

    `version` (see portal.inventory.versions) is the newest observation applied to the row, so
    reports can arrive in any order. A removed object stays as a tombstone: `removed_at` by the
    portal's clock, hidden from lists, still shown on its own page.
    """

    policy_host_field = "host"

    host = models.ForeignKey("hosts.Host", on_delete=models.CASCADE, related_name="%(class)ss")
    engine_id = models.CharField(max_length=128)
    version = models.BigIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.CharField(max_length=150, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MirroredQuerySet.as_manager()

    # Fields the record readers fill; `mirror` compares and writes only these.
    mirrored_fields: tuple[str, ...] = ()
    # Big fields left unread unless a record brings a new value for them.
    lazy_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None
