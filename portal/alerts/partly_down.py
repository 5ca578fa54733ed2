"""`stack.partly_down`: a compose project some of whose containers run and some do not, for longer
than the grace. Time passing brings no event, so a periodic job (portal/ingest/periodic.py) judges
every stack from the mirrored containers, with the stacks app's own reading of a stack's state."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.alerts.choices import EventKind
from portal.alerts.firing import OPEN, fire, resolve
from portal.alerts.matching import matches_container
from portal.alerts.models import Alert, AlertRule, PartlyDownTrack
from portal.alerts.scope import TeamScopes
from portal.hosts.models import Host
from portal.stacks.services import StackState, compose_containers, services_of, state_of

__all__ = ["judge_partly_down"]

KIND = EventKind.STACK_PARTLY_DOWN
CLEARED = {
    StackState.RUNNING: "Every service runs again.",
    StackState.STOPPED: "The stack was stopped.",
    StackState.DOWN: "The stack was taken down.",
}


def _track(partly: set[tuple[int, str]], now: datetime) -> dict[tuple[int, str], datetime]:
    """Since when each partly running stack has been so (a stack no longer partly forgets it)."""
    tracks = {(t.host_id, t.project): t for t in PartlyDownTrack.objects.all()}
    gone = [t.pk for key, t in tracks.items() if key not in partly]
    if gone:
        PartlyDownTrack.objects.filter(pk__in=gone).delete()
    new = [PartlyDownTrack(host_id=h, project=p, since=now) for h, p in partly - set(tracks)]
    PartlyDownTrack.objects.bulk_create(new, ignore_conflicts=True)
    since = {key: t.since for key, t in tracks.items() if key in partly}
    since.update({(t.host_id, t.project): now for t in new})
    return since


def _title(project: str, host: Host, containers: list) -> str:
    down = [s["name"] or "?" for s in services_of(containers, None) if s["state"] != StackState.RUNNING]
    running = sum(1 for c in containers if c.state == "running")
    return (
        f"Stack {project} on {host.name} is partly down: {', '.join(down)} not running "
        f"({running} of {len(containers)} containers run)"
    )


def judge_partly_down(now: datetime | None = None) -> int:
    """Fire for stacks partly running past the grace, resolve those running, stopped or gone.
    How many alerts fired or resolved."""
    now = now or timezone.now()
    rules = [
        rule
        for rule in AlertRule.objects.filter(enabled=True).prefetch_related("hosts", "channels")
        if KIND in rule.events
    ]
    open_alerts = list(Alert.objects.filter(kind=KIND, state__in=OPEN).select_related("rule", "host"))
    if not rules and not open_alerts:
        PartlyDownTrack.objects.all().delete()  # a rule made later counts the grace from then
        return 0
    stacks = compose_containers(Host.objects.values_list("pk", flat=True))
    states = {key: state_of(containers) for key, containers in stacks.items()}
    changed = 0
    with transaction.atomic():
        since = _track({key for key, state in states.items() if state == StackState.PARTLY}, now)
        due = [key for key, at in since.items() if now - at >= timedelta(seconds=settings.BERTH_ALERT_STACK_GRACE)]
        hosts = Host.objects.in_bulk({host_id for host_id, _ in due})
        scopes = TeamScopes()
        # What fires already is not asked again (fire() would lock and look, each second).
        firing = {(a.rule_id, a.host_id, a.subject) for a in open_alerts}
        for host_id, project in due:
            containers = stacks[(host_id, project)]
            for rule in rules:
                if (rule.pk, host_id, project) in firing or not scopes.covers(rule, host_id):
                    continue
                if not any(matches_container(rule.match or {}, c.name, c.labels or {}) for c in containers):
                    continue
                title = _title(project, hosts[host_id], containers)
                if fire(rule, hosts[host_id], KIND, project, title, now, detail={"project": project}):
                    changed += 1
        for alert in open_alerts:
            state = states.get((alert.host_id, alert.subject), StackState.DOWN)
            if state != StackState.PARTLY:
                resolve(alert, CLEARED[state], now)
                changed += 1
    return changed
