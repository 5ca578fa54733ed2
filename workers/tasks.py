"""Tasks the portal sends to a host's queue (`host.<slug>`). Each is a thin shell over a service."""

from celery import Celery

from wire.names import INVENTORY_RESYNC_TASK
from workers.inventory import InventorySync

__all__ = ["register_tasks"]


def register_tasks(app: Celery, inventory: InventorySync) -> None:
    @app.task(name=INVENTORY_RESYNC_TASK, ignore_result=True)
    def inventory_resync():
        inventory.request_full_snapshot()
