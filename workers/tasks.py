"""Tasks the portal sends to a host's queue (`host.<slug>`). Each is a thin shell over a service."""

from celery import Celery

from wire.tasks import InventoryResync
from workers.inventory import InventorySync
from workers.trust import Trust, register_signed_task

__all__ = ["register_tasks"]


def register_tasks(app: Celery, trust: Trust, *inventories: InventorySync) -> None:
    """`inventories`: every sync of this host (containers and images; networks and volumes)."""

    @register_signed_task(app, trust, InventoryResync.name)
    def inventory_resync():
        for inventory in inventories:
            inventory.request_full_snapshot()
