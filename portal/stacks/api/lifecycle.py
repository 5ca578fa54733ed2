"""`POST /api/v1/stacks/{id}/{start,stop,restart}/` (operators), `DELETE /api/v1/stacks/{id}/?volumes=`
(down, with or without its named volumes) and `POST …/adopt/` (an admin takes over a project
started outside Berth: its files are read on the host where its labels say they are)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action

from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.refusals import Conflict
from portal.stacks.deploy import refuse_busy, stack_operation
from portal.stacks.services import StackState, compose_containers, state_of
from wire.stacks import StackTask

__all__ = ["StackLifecycle"]

TRUE = {"1", "true", "yes", "on"}


class StackLifecycle:
    policy_actions = {
        "start": "stack.operate",
        "stop": "stack.operate",
        "restart": "stack.operate",
        "destroy": "stack.deploy",
        "adopt": "stack.adopt",
    }

    def _lifecycle(self, kind: str):
        stack = self.get_object()
        containers = compose_containers([stack.host_id], [stack.name]).get((stack.host_id, stack.name), [])
        if state_of(containers) == StackState.DOWN:
            raise Conflict(f"Stack {stack.name} has no containers on its host: deploy it first.", "stack_down")
        refuse_busy(stack)
        return accepted(stack_operation(self.request, stack, f"stack.{kind}", {}, StackTask(project=stack.name)))

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start the stack's stopped containers (`docker compose start`)."""
        return self._lifecycle("start")

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        """Stop the stack's containers (`docker compose stop`)."""
        return self._lifecycle("stop")

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def restart(self, request, pk=None):
        """Restart the stack's containers (`docker compose restart`)."""
        return self._lifecycle("restart")

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("volumes", bool, description="Also remove the stack's named volumes.")],
        responses={202: OperationSerializer},
    )
    def destroy(self, request, *args, **kwargs):
        """Take the stack down (`docker compose down`): its containers and networks go, its volumes
        too with `?volumes=true`. Its versions are kept, so it can be deployed again."""
        stack = self.get_object()  # one started outside Berth too: compose finds it by its labels
        refuse_busy(stack)
        volumes = str(request.query_params.get("volumes", "")).lower() in TRUE
        task = StackTask(project=stack.name, volumes=volumes)
        return accepted(stack_operation(request, stack, "stack.down", {"volumes": volumes}, task))

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def adopt(self, request, pk=None):
        """Take over a project started outside Berth: its compose file (and the .env beside it) are
        read where its containers' labels say, and become its first version."""
        stack = self.get_object()
        if stack.managed:
            raise Conflict(f"Stack {stack.name} is managed by Berth already.", "already_managed")
        refuse_busy(stack)
        task = StackTask(project=stack.name, config_files=stack.config_files, working_dir=stack.working_dir)
        shown = {"config_files": stack.config_files}
        return accepted(stack_operation(request, stack, "stack.adopt", shown, task))
