from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.access.querysets import RestrictedQuerySet
from portal.hosts.choices import HostStatus
from portal.hosts.errors import NOTHING_DONE, HostOffline

__all__ = ["Host"]


class Host(models.Model):
    """A Docker host, served by the one host worker that consumes queue `host.<slug>`.

    Engine facts are what the worker last reported; `last_seen` is the portal's clock
    when its last heartbeat arrived, and liveness is judged from it alone.
    """

    policy_host_field = "pk"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=HostStatus, default=HostStatus.UNKNOWN)
    last_seen = models.DateTimeField(null=True, blank=True)
    online_since = models.DateTimeField(null=True, blank=True)
    labels = models.JSONField(default=dict, blank=True)

    engine_reachable = models.BooleanField(default=False)
    engine_error = models.TextField(blank=True)
    engine_id = models.CharField(max_length=200, blank=True)
    engine_version = models.CharField(max_length=100, blank=True)
    api_version = models.CharField(max_length=20, blank=True)
    os = models.CharField(max_length=200, blank=True)
    kernel = models.CharField(max_length=200, blank=True)
    arch = models.CharField(max_length=50, blank=True)
    cpus = models.PositiveIntegerField(default=0)
    memory = models.BigIntegerField(default=0)
    container_count = models.PositiveIntegerField(default=0)
    running_count = models.PositiveIntegerField(default=0)
    image_count = models.PositiveIntegerField(default=0)
    # How full the host is, as its worker measured on its machine (workers/usage.py); null where
    # it could not (an engine reached by TCP has its disk on another machine).
    memory_available = models.BigIntegerField(null=True, blank=True)
    disk_total = models.BigIntegerField(null=True, blank=True)
    disk_used = models.BigIntegerField(null=True, blank=True)

    worker_instance = models.CharField(max_length=64, blank=True)
    worker_machine = models.CharField(max_length=200, blank=True)
    worker_version = models.CharField(max_length=50, blank=True)
    docker_host = models.CharField(max_length=300, blank=True)
    # The host's Docker Compose v2, as its worker found it (empty: none there).
    compose_version = models.CharField(max_length=50, blank=True)
    last_seq = models.BigIntegerField(default=0)
    # Counts the workers the portal has adopted for this host; a newer worker's inventory
    # outranks anything an older one reported (see portal.inventory.versions).
    generation = models.PositiveIntegerField(default=0)

    # Enrollment (portal/hosts/enrollment.py): the public halves of the host's keys (its private
    # keys were shown once to whoever enrolled it) and its own Redis user, if Berth manages users.
    verify_key = models.CharField(max_length=64, blank=True)
    seal_key = models.CharField(max_length=64, blank=True)
    broker_user = models.CharField(max_length=100, blank=True)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    # The last report dropped because its signature was not this host's (shown on its page).
    forged_report = models.TextField(blank=True)
    forged_report_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def memory_percent(self) -> float | None:
        """Memory in use (total less available) as a percentage of the engine's MemTotal."""
        if self.memory_available is None or not self.memory:
            return None
        return round(100 * max(0, self.memory - self.memory_available) / self.memory, 1)

    @property
    def disk_percent(self) -> float | None:
        """The disk under the engine's root folder in use, as a percentage of its size."""
        if self.disk_used is None or not self.disk_total:
            return None
        return round(100 * self.disk_used / self.disk_total, 1)

    @property
    def enrolled(self) -> bool:
        """Whether the host has keys: a host from before enrollment existed needs one enrollment."""
        return bool(self.verify_key and self.seal_key)

    @property
    def current_status(self) -> str:
        """The status as of now: an online host whose heartbeats stopped is offline even
        before the liveness watch has written it down (for example while no portal worker runs)."""
        if self.status == HostStatus.ONLINE and self.heartbeat_overdue():
            return HostStatus.OFFLINE
        return self.status

    @property
    def usable(self) -> bool:
        """Whether work can be asked of this host now: its worker answers, and so does its engine.
        The one rule for operations, streams, terminals and log downloads."""
        return self.current_status == HostStatus.ONLINE and self.engine_reachable

    def require_usable(self, consequence: str | None = NOTHING_DONE) -> None:
        """Refuses (HostOffline, a 503 or a 4503) unless the host is usable now."""
        if not self.usable:
            raise HostOffline(self, consequence)

    def heartbeat_overdue(self, now=None) -> bool:
        if self.last_seen is None:
            return True
        now = now or timezone.now()
        return now - self.last_seen > timedelta(seconds=settings.BERTH_HOST_OFFLINE_AFTER)
