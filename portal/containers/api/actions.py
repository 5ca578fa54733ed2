"""What every container action of the API shares: the container it acts on (a removed one is a
409) and the operation it sends for it (portal.operations.dispatch.submit)."""

from __future__ import annotations

from portal.containers.models import Container
from portal.operations.dispatch import submit
from portal.operations.models import Operation
from portal.refusals import Conflict

__all__ = ["ContainerActions"]


class ContainerActions:
    """Base of the action mixins of ContainerViewSet."""

    def live_container(self) -> Container:
        container = self.get_object()
        if container.is_removed:
            raise Conflict(f"Container {container.name} was removed.", "removed")
        return container

    def container_operation(self, kind: str, container: Container, **options) -> Operation:
        params = {"container_id": container.engine_id, "subject": container.name, **options}
        shown = {"name": container.name, **options}
        return submit(self.request, container.host, f"container.{kind}", shown, target=container, task_params=params)
