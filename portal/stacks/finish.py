"""What the portal does when a stack operation ends (portal.operations.resources.register_finish):
a deploy's version becomes the deployed one (with compose's normalized form of it, taken out of
the operation's result) or failed; an
adoption's files become the stack's first version. Secrets the worker read (an adopted .env) are
sealed into the version and taken out of the operation's result, which viewers may read."""

from __future__ import annotations

from portal.operations.choices import OperationState
from portal.stacks.models import Stack, StackSource, StackVersion, VersionState

__all__ = ["finish_stack_operation"]


def finish_stack_operation(operation) -> None:
    if operation.kind == "stack.deploy":
        _deployed(operation)
    elif operation.kind == "stack.adopt":
        _adopted(operation)


def _deployed(operation) -> None:
    version = StackVersion.objects.filter(operation=operation).first()
    if version is None:
        return
    result = dict(operation.result or {})
    # The normalized form holds the .env's values: kept with the version, not in the result viewers read.
    config = result.pop("config", None)
    operation.result = result
    if operation.state == OperationState.SUCCEEDED:
        version.state = VersionState.DEPLOYED
        version.config = config
    else:
        version.state = VersionState.FAILED
    version.save(update_fields=["state", "config"])


def _adopted(operation) -> None:
    result = dict(operation.result or {})
    env = result.pop("env", "")
    operation.result = result
    if operation.state != OperationState.SUCCEEDED:
        return
    stack = Stack.objects.filter(host_id=operation.host_id, pk=int(operation.target_id or 0)).first()
    if stack is None:
        return
    version = StackVersion(
        stack=stack,
        number=stack.next_number(),
        compose=str(result.get("compose") or ""),
        state=VersionState.DEPLOYED,
        note=f"taken over from {result.get('source_path') or 'the host'}",
        operation=operation,
        created_by_id=operation.user_id,
        username=operation.username,
    )
    version.env = str(env or "")
    version.save()
    result.pop("compose", None)
    operation.result = result
    stack.source = StackSource.BERTH
    stack.save(update_fields=["source", "updated_at"])
