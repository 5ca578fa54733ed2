"""Deploying a git stack. The web process only records the deploy (pending, audited) and asks a
portal worker; the portal worker fetches the repository (portal/stacks/git_repository.py), and
then the files go the one way every deploy goes (portal/stacks/deploy.py: the checks, the
dangerous-option rule for whoever asked, version n+1 with the commit, the host's task), so plans,
versions, rollback and the rule apply unchanged. When anything fails — the repository, the ref,
the file, the checks — the operation fails with the sentence and nothing else is left: a stack
whose first fetch failed goes again. A webhook's or a poll's deploy of the commit already deployed
ends at once, "unchanged", with no version and nothing sent to the host."""

from __future__ import annotations

import logging

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from portal.access.policy import AccessScope
from portal.access.principals import acting_for
from portal.celery import app as celery_app
from portal.operations.choices import OperationState
from portal.operations.dispatch import send_recorded
from portal.operations.events import publish_operation
from portal.operations.models import Operation
from portal.refusals import Refusal
from portal.stacks.deploy import checked_files, record_version, refuse_busy, stack_operation
from portal.stacks.events import publish_stacks
from portal.stacks.git_repository import Credentials, fetch
from portal.stacks.models import GitSource, Stack

__all__ = ["GIT_DEPLOY_TASK", "credentials_of", "run_git_deploy", "start_git_deploy"]

log = logging.getLogger(__name__)

GIT_DEPLOY_TASK = "berth.portal.stack_git_deploy"
FETCHING = "portal:fetching"


def credentials_of(source: GitSource) -> Credentials:
    return Credentials(username=source.username, secret=source.secret)


def start_git_deploy(
    request, stack: Stack, *, note: str, by: str = "user", only_changed: bool = False, pull: bool = False
) -> Operation:
    """Record the deploy of the stack's git source (pending) and have a portal worker run it.
    `by`: "user" (a person asked: their role then decides), "webhook" or "poll" (the owner's).
    With `pull`, the images are pulled too, so an unchanged commit still deploys: compose then
    recreates only the services whose image changed."""
    refuse_busy(stack)
    source = stack.git
    shown = {"source": "git", "url": source.url, "ref": source.ref, "path": source.path, "note": note, "by": by}
    if only_changed:
        shown["only_changed"] = True
    if pull:
        shown["pull"] = True
    with transaction.atomic():
        operation = stack_operation(request, stack, "stack.deploy", shown, None, hold=True)
        transaction.on_commit(lambda: _kick(operation))
    return operation


def _kick(operation: Operation) -> None:
    try:
        celery_app.send_task(GIT_DEPLOY_TASK, args=[operation.pk], queue="portal")
    except Exception as exc:  # the broker is down: fail now rather than never
        log.error("Could not ask a portal worker to fetch git stack operation %s: %s", operation.pk, exc)
        _fail(operation, "Berth could not reach its broker to fetch the repository.", "broker")


def _fail(operation: Operation, sentence: str, code: str) -> None:
    Operation.objects.filter(pk=operation.pk, state__in=(OperationState.PENDING, OperationState.RUNNING)).update(
        state=OperationState.FAILED, error=sentence[:5000], error_code=code[:64], finished_at=timezone.now()
    )
    operation.refresh_from_db()
    publish_operation(operation)


def _actor(operation: Operation, source: GitSource):
    """Who the deploy is judged for: the person who asked, or the owner the webhook acts for."""
    if operation.params.get("by") == "user":
        return _Asker(operation.user)
    return acting_for(source.owner, operation.host_id, operation.params.get("by", "webhook"))


class _Asker:
    """The person who asked, standing where their request did (their role as it is now)."""

    def __init__(self, user):
        self.user = user or AnonymousUser()
        self.META = {}
        self._berth_access_scope = AccessScope.for_user(user)


def run_git_deploy(operation_id: int) -> str:
    """Fetch and deploy (the portal worker's task); answers what became of it, for the log."""
    operation = Operation.objects.select_related("host").filter(pk=operation_id).first()
    if operation is None or operation.state != OperationState.PENDING:
        return "gone"
    stack = Stack.objects.select_related("host", "git").filter(pk=int(operation.target_id or 0)).first()
    source = getattr(stack, "git", None) if stack is not None else None
    if source is None:
        _fail(operation, "The stack or its git source was removed before its repository was read.", "gone")
        return "gone"
    # Claimed by one portal worker (a task delivered twice fetches once). It stays pending until
    # the host runs it: a portal worker that dies here leaves it to the liveness watch, which
    # fails a pending operation that never reached its host.
    claimed = Operation.objects.filter(pk=operation.pk, state=OperationState.PENDING, worker_instance="").update(
        worker_instance=FETCHING
    )
    if not claimed:
        return "gone"
    try:
        fetched = fetch(source.url, source.ref, source.path, credentials_of(source))
    except Refusal as exc:
        _fetch_failed(operation, stack, source, exc)
        return "failed"
    GitSource.objects.filter(pk=source.pk).update(
        last_checked_at=timezone.now(), last_commit=fetched.commit, last_error=""
    )
    deployed = stack.deployed_version()
    pull = bool(operation.params.get("pull"))
    same = deployed is not None and deployed.commit == fetched.commit
    if operation.params.get("only_changed") and same and not pull:
        _unchanged(operation, fetched.commit)
        return "unchanged"
    actor = _actor(operation, source)
    try:
        parsed, env = checked_files(actor, stack, fetched.compose, fetched.env)
        with transaction.atomic():
            note = f"{operation.params.get('note') or 'git'} at {fetched.commit[:12]}"
            version, task, shown = record_version(
                actor, stack, parsed, fetched.compose, env, note=note, commit=fetched.commit, pull=pull
            )
            version.operation = operation
            version.save(update_fields=["operation"])
            Operation.objects.filter(pk=operation.pk).update(params={**operation.params, **shown})
            send_recorded(operation, task.to_wire())
    except Refusal as exc:
        _fetch_failed(operation, stack, source, exc)
        return "refused"
    return "sent"


def _unchanged(operation: Operation, commit: str) -> None:
    Operation.objects.filter(pk=operation.pk).update(
        state=OperationState.SUCCEEDED,
        result={"unchanged": True, "commit": commit},
        log=f"Commit {commit[:12]} is deployed already: nothing to do.",
        finished_at=timezone.now(),
    )
    operation.refresh_from_db()
    publish_operation(operation)


def _fetch_failed(operation: Operation, stack: Stack, source: GitSource, exc: Refusal) -> None:
    GitSource.objects.filter(pk=source.pk).update(last_checked_at=timezone.now(), last_error=exc.sentence[:2000])
    if not stack.versions.exists():
        # Its first fetch failed: the stack it would have been is not left half made — gone before
        # the operation says it failed, so whoever reads the end finds no stack.
        Stack.objects.filter(pk=stack.pk).delete()
        publish_stacks(stack.host_id, [], [stack.pk])
    _fail(operation, exc.sentence, exc.code)
