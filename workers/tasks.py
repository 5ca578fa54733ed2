"""Tasks the portal sends to a host's queue (`host.<slug>`). Each is a thin shell over a service."""

from celery import Celery

from wire.tasks import InventoryResync
from workers.inventory import InventorySync

__all__ = ["register_tasks"]


def register_tasks(app: Celery, *inventories: InventorySync) -> None:
    """`inventories`: every sync of this host (containers and images; networks and volumes)."""

    @app.task(name=InventoryResync.name, ignore_result=True)
    def inventory_resync():
        for inventory in inventories:
            inventory.request_full_snapshot()
