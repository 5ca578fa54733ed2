"""Deploying a stack: the file checked (portal/stacks/checks.py) and judged by the dangerous-option
rule, a new version recorded with it, and the deploy operation sent to the host's worker, all or
nothing. Redeploy, pull-and-redeploy and rollback are deploys of a version's file and env."""

from __future__ import annotations

from django.db import transaction

from portal.access.dangerous import refuse_dangers
from portal.access.policy import DANGER_ACTION, can
from portal.operations.choices import OperationState
from portal.operations.dispatch import submit
from portal.operations.models import Operation
from portal.refusals import Conflict
from portal.stacks.checks import env_checked, parsed_compose
from portal.stacks.models import Stack, StackVersion
from wire.dangers import compose_dangers
from wire.stacks import StackTask

__all__ = ["checked_files", "deploy", "deployed_config", "record_version", "refuse_busy", "stack_operation"]

BUSY = (OperationState.PENDING, OperationState.RUNNING)


def refuse_busy(stack: Stack) -> None:
    """One change at a time: compose would interleave two on the same project."""
    busy = Operation.objects.filter(host_id=stack.host_id, target_type="stack", target_id=str(stack.pk), state__in=BUSY)
    if busy.exclude(kind="stack.plan").exists():
        raise Conflict(f"Stack {stack.name} has an operation still running: wait for it to end.", "stack_busy")


def deployed_config(stack: Stack) -> dict | None:
    version = stack.deployed_version()
    return version.config if version is not None else None


def stack_operation(request, stack: Stack, kind: str, shown: dict, task: StackTask | None, hold: bool = False):
    return submit(
        request,
        stack.host,
        kind,
        {"stack": stack.name, **shown},
        target=stack,
        task_params=task.to_wire() if task is not None else {},
        hold=hold,
    )


def checked_files(request, stack: Stack, compose: str, env: str) -> tuple[dict, str]:
    """The file parsed and the .env checked, judged by the dangerous-option rule for whoever asks
    (a request, or a Principal): a Refusal with its sentence when not."""
    parsed = parsed_compose(compose)
    env = env_checked(env)
    refuse_dangers(request, stack.host_id, compose_dangers(parsed))
    return parsed, env


def record_version(
    request, stack: Stack, parsed: dict, compose: str, env: str, *, note: str, pull: bool = False, commit: str = ""
) -> tuple[StackVersion, StackTask, dict]:
    """Version n+1 (the stack saved first if new), the task that deploys it and what its operation
    shows. Call inside the transaction that records the operation."""
    user = request.user if request.user.is_authenticated else None
    if stack.pk is None:
        stack.save()
    version = StackVersion(
        stack=stack,
        number=stack.next_number(),
        compose=compose,
        note=note[:255],
        commit=commit,
        created_by=user,
        username=user.get_username() if user else getattr(request, "principal_name", ""),
    )
    version.env = env
    version.save()
    task = StackTask(
        project=stack.name,
        compose=compose,
        env=env,
        pull=pull,
        dangerous_allowed=can(request, DANGER_ACTION, stack.host_id),
    )
    shown = {"version": version.number, "services": sorted(parsed["services"]), "pull": pull, "note": note}
    if commit:
        shown["commit"] = commit
    return version, task, shown


def deploy(
    request, stack: Stack, compose: str, env: str, *, note: str, pull: bool = False, commit: str = ""
) -> Operation:
    """Check, record version n+1 and send its deploy. Raises a Refusal with nothing recorded."""
    parsed, env = checked_files(request, stack, compose, env)
    refuse_busy(stack)
    with transaction.atomic():
        version, task, shown = record_version(request, stack, parsed, compose, env, note=note, pull=pull, commit=commit)
        operation = stack_operation(request, stack, "stack.deploy", shown, task)
        version.operation = operation
        version.save(update_fields=["operation"])
    return operation
