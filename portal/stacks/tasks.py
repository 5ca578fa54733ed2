"""The portal worker's git stack tasks (queue `portal`): fetch and deploy one recorded deploy, and
check one polled stack's ref; plus the periodic job that asks for the polls that are due."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import close_old_connections
from django.utils import timezone

from portal.access.principals import acting_for
from portal.hosts.choices import HostStatus
from portal.refusals import Refusal
from portal.stacks.git_deploy import GIT_DEPLOY_TASK, credentials_of, run_git_deploy, start_git_deploy
from portal.stacks.git_repository import remote_commit
from portal.stacks.models import GitSource

__all__ = ["GIT_POLL_TASK", "check_polled_stack", "git_deploy", "git_poll", "kick_due_polls"]

log = logging.getLogger(__name__)

GIT_POLL_TASK = "berth.portal.stack_git_poll"


@shared_task(name=GIT_DEPLOY_TASK, ignore_result=True)
def git_deploy(operation_id: int):
    close_old_connections()
    return run_git_deploy(int(operation_id))


@shared_task(name=GIT_POLL_TASK, ignore_result=True)
def git_poll(source_id: int):
    close_old_connections()
    return check_polled_stack(int(source_id))


def check_polled_stack(source_id: int) -> str:
    """Ask the repository where the ref points (no fetch); deploy only when that commit is not
    the last one tried, acting for the source's owner."""
    source = GitSource.objects.select_related("stack__host", "owner").filter(pk=source_id).first()
    if source is None or source.stack.host.status != HostStatus.ONLINE:
        return "skipped"
    try:
        commit = remote_commit(source.url, source.ref, credentials_of(source))
    except Refusal as exc:
        GitSource.objects.filter(pk=source.pk).update(last_error=exc.sentence[:2000])
        return "failed"
    if commit == source.last_commit:
        return "unchanged"
    principal = acting_for(source.owner, source.stack.host_id, "poll")
    try:
        start_git_deploy(principal, source.stack, note=f"poll found {commit[:12]}", by="poll", only_changed=True)
    except Refusal as exc:  # busy, or the host went: the next turn asks again
        log.info("Poll of stack %s waits: %s", source.stack.name, exc)
        return "waiting"
    return "deploying"


def kick_due_polls(now=None) -> int:
    """A periodic job: ask a portal worker to check each git stack whose poll is due."""
    now = now or timezone.now()
    due = []
    for source in GitSource.objects.filter(poll_interval__gt=0).only("pk", "poll_interval", "last_checked_at"):
        if source.last_checked_at is None or source.last_checked_at + timedelta(seconds=source.poll_interval) <= now:
            due.append(source.pk)
    if not due:
        return 0
    # Marked as checked now, so a slow check is not asked for twice.
    GitSource.objects.filter(pk__in=due).update(last_checked_at=now)
    for pk in due:
        try:
            git_poll.apply_async(args=[pk], queue="portal")
        except Exception as exc:
            log.warning("Could not ask a portal worker to poll git stack %s: %s", pk, exc)
    return len(due)
