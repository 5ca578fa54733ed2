from django.db import models

from portal.inventory.models import LIVE, MirroredModel, tombstone_index

__all__ = ["PREDEFINED_NETWORKS", "Network"]

# The engine's own networks: nobody creates, removes or prunes them.
PREDEFINED_NETWORKS = frozenset({"bridge", "host", "none"})


class Network(MirroredModel):
    """A network on a host's engine, as its worker last reported it.

    `ipam` is its address pools, `{subnet, gateway, ip_range}`; `containers` the containers that
    name it, `{engine_id, name, ipv4_address, ipv6_address, mac_address}` (addresses empty while
    a container is not running), and `container_count` how many, so lists filter without reading it.
    """

    name = models.CharField(max_length=255)
    driver = models.CharField(max_length=64, blank=True)
    scope = models.CharField(max_length=32, blank=True)
    internal = models.BooleanField(default=False)
    attachable = models.BooleanField(default=False)
    ingress = models.BooleanField(default=False)
    ipv6 = models.BooleanField(default=False)
    ipam = models.JSONField(default=list, blank=True)
    options = models.JSONField(default=dict, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(null=True, blank=True)
    containers = models.JSONField(default=list, blank=True)
    container_count = models.PositiveIntegerField(default=0)

    mirrored_fields = (
        "name",
        "driver",
        "scope",
        "internal",
        "attachable",
        "ingress",
        "ipv6",
        "ipam",
        "options",
        "labels",
        "created",
        "containers",
        "container_count",
    )

    class Meta:
        ordering = ["name", "host_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["host", "engine_id"], name="network_unique_per_host"),
        ]
        indexes = [
            models.Index(fields=["name", "host"], condition=LIVE, name="network_live_by_name"),
            models.Index(fields=["host", "name"], condition=LIVE, name="network_live_by_host"),
            tombstone_index("network"),
        ]

    @property
    def subnets(self) -> list[str]:
        return [pool["subnet"] for pool in self.ipam or [] if isinstance(pool, dict) and pool.get("subnet")]

    @property
    def predefined(self) -> bool:
        return self.name in PREDEFINED_NETWORKS

    @property
    def active_endpoints(self) -> list[str]:
        """Containers connected with an address: the engine will not remove the network under them."""
        return [c["name"] for c in self.containers or [] if c.get("ipv4_address") or c.get("ipv6_address")]

    def __str__(self) -> str:
        return self.name
