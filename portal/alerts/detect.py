"""Turning the events the portal publishes (portal/events/publish.py, the one path) into alerts.

Each condition is judged from a state: True fires, False resolves, None says nothing. A container
event is judged on the container as the database has it when judged (under the host's lock, which
reports are applied under), not on the event's copy, which an overtaken report may have made. A
report with many changes is published as one `inventory.changed`: then every live container of the
host is judged from the database. Host and operation events are judged on what they carry.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal.alerts.choices import EventKind
from portal.alerts.firing import OPEN, fire, resolve
from portal.alerts.matching import matches_container
from portal.alerts.models import Alert, AlertRule, RestartTrack
from portal.alerts.scope import TeamScopes
from portal.containers.models import Container
from portal.hosts.models import Host

__all__ = [
    "SENSITIVE_LABEL",
    "USAGE_HYSTERESIS",
    "container_conditions",
    "host_conditions",
    "judge_rule_hosts",
    "on_event",
    "settle_restart_loops",
    "usage_condition",
]

log = logging.getLogger(__name__)

CONTAINER_KINDS = {
    EventKind.CONTAINER_EXITED,
    EventKind.CONTAINER_OOM,
    EventKind.CONTAINER_UNHEALTHY,
    EventKind.CONTAINER_RESTART_LOOP,
    EventKind.CONTAINER_STOPPED,
}
HOST_KINDS = {EventKind.HOST_OFFLINE, EventKind.HOST_ENGINE, EventKind.HOST_DISK, EventKind.HOST_MEMORY}
# host.disk / host.memory: which percentage of the host's facts each judges.
USAGE_PERCENT = {EventKind.HOST_DISK: "disk_percent", EventKind.HOST_MEMORY: "memory_percent"}
# An alert on usage resolves once the usage is this many points under the threshold, so a disk
# hovering at the line does not fire and resolve at every measure.
USAGE_HYSTERESIS = 2
# A host label that marks it sensitive: a terminal opened on it fires `terminal.sensitive`.
SENSITIVE_LABEL = "berth.sensitive"
DOWN = ("exited", "dead")


def container_conditions(facts: dict, oom_killed: bool) -> dict[str, bool | None]:
    """What a container's state says of each container condition (restart loops aside)."""
    state, code, health = facts.get("state"), facts.get("exit_code"), facts.get("health") or ""
    running = state == "running"
    ended = state in DOWN or state == "restarting"
    nonzero = code not in (None, 0)

    def judged(holds: bool) -> bool | None:
        return True if holds else (False if running else None)

    return {
        EventKind.CONTAINER_EXITED: judged(ended and nonzero and not oom_killed),
        EventKind.CONTAINER_OOM: judged(ended and oom_killed),
        EventKind.CONTAINER_STOPPED: judged(state in DOWN),
        EventKind.CONTAINER_UNHEALTHY: running and health == "unhealthy",
    }


def usage_condition(percent: float | None, threshold: int) -> bool | None:
    """Fires past the threshold, resolves at USAGE_HYSTERESIS points under it; in between (and
    when the worker could not measure) it says nothing, so an open alert stays open."""
    if percent is None:
        return None
    if percent > threshold:
        return True
    return False if percent <= threshold - USAGE_HYSTERESIS else None


def host_conditions(host: dict, threshold: int = 90) -> dict[str, bool | None]:
    status = host.get("status")
    return {
        EventKind.HOST_OFFLINE: {"offline": True, "online": False}.get(status),
        EventKind.HOST_ENGINE: (not host.get("engine_reachable")) if status == "online" else None,
        **{kind: usage_condition(host.get(field), threshold) for kind, field in USAGE_PERCENT.items()},
    }


def _title(kind: str, facts: dict, host_name: str) -> str:
    name = facts.get("name", "?")
    code = facts.get("exit_code")
    return {
        EventKind.CONTAINER_EXITED: f"Container {name} on {host_name} exited with code {code}",
        EventKind.CONTAINER_OOM: f"Container {name} on {host_name} was killed by the OOM killer",
        EventKind.CONTAINER_STOPPED: f"Container {name} on {host_name} stopped",
        EventKind.CONTAINER_UNHEALTHY: f"Container {name} on {host_name} is unhealthy",
        EventKind.CONTAINER_RESTART_LOOP: f"Container {name} on {host_name} is restarting in a loop",
    }[kind]


def _rules_for(host_id: int, kinds: set[str]) -> list[AlertRule]:
    rules = [
        rule
        for rule in AlertRule.objects.filter(enabled=True).prefetch_related("hosts", "channels")
        if kinds & set(rule.events)
    ]
    if not rules:
        return []
    scopes = TeamScopes()
    return [rule for rule in rules if scopes.covers(rule, host_id)]


def _open_alert(rule: AlertRule, host_id: int, kind: str, subject: str) -> Alert | None:
    return (
        Alert.objects.filter(rule=rule, host_id=host_id, kind=kind, subject=subject, state__in=OPEN)
        .select_related("host", "rule")
        .first()
    )


def _apply(rule: AlertRule, host: Host, kind: str, holds: bool | None, subject: str, title: str, now, **extra):
    if holds is None:
        return
    if holds:
        fire(rule, host, kind, subject, title, now, **extra)
    elif (alert := _open_alert(rule, host.pk, kind, subject)) is not None:
        resolve(alert, "The condition cleared.", now)


def _restart_loop(rule: AlertRule, facts: dict, host: Host, now: datetime) -> bool | None:
    """Records a rise of the container's restart count; whether it restarted restart_count times
    within restart_window_seconds."""
    track, _ = RestartTrack.objects.get_or_create(host=host, engine_id=facts.get("engine_id", ""))
    count = int(facts.get("restart_count") or 0)
    window = now - timedelta(seconds=rule.restart_window_seconds)
    times = [t for t in track.times if (parse_datetime(t) or now) > window]
    if count > track.restart_count:
        times.append(now.isoformat())
    if count != track.restart_count or times != track.times:
        track.restart_count, track.times = count, times[-100:]
        track.save()
    if len(times) >= rule.restart_count:
        return True
    return False if facts.get("state") == "running" and not times else None


def _judge_container(rules: list[AlertRule], host: Host, facts: dict, removed: bool, now: datetime) -> None:
    name, labels = facts.get("name", ""), facts.get("labels") or {}
    mine = [rule for rule in rules if matches_container(rule.match or {}, name, labels)]
    if not mine:
        return
    if removed:
        for alert in Alert.objects.filter(host=host, subject=name, kind__in=CONTAINER_KINDS, state__in=OPEN):
            resolve(alert, "The container was removed.", now)
        return
    oom = False
    if facts.get("state") in (*DOWN, "restarting") and any(EventKind.CONTAINER_OOM in r.events for r in mine):
        inspect = Container.objects.filter(pk=facts.get("id")).values_list("inspect", flat=True).first() or {}
        oom = bool((inspect.get("State") or {}).get("OOMKilled"))
    conditions = container_conditions(facts, oom)
    for rule in mine:
        for kind in set(rule.events) & CONTAINER_KINDS:
            holds = (
                _restart_loop(rule, facts, host, now) if kind == EventKind.CONTAINER_RESTART_LOOP else conditions[kind]
            )
            extra = {"container_id": facts.get("id"), "detail": {"engine_id": facts.get("engine_id", "")}}
            _apply(rule, host, kind, holds, name, _title(kind, facts, host.name), now, **extra)


def _container_facts(row: Container) -> dict:
    fields = ("id", "engine_id", "name", "state", "exit_code", "health", "restart_count", "labels")
    return {name: getattr(row, name) for name in fields}


def _locked_host(host_id: int) -> Host | None:
    """The host's row, locked till the transaction ends. An inventory report is applied under the
    same lock (portal.ingest.inventory), so what is judged then is the container as it is, and no
    report lands between the reading and the firing or resolving."""
    return Host.objects.select_for_update().filter(pk=host_id).first()


def _judge_container_now(rules: list[AlertRule], host_id: int, facts: dict, removed: bool, now: datetime) -> None:
    """Judge the container an event is about as the database has it now, not as the event says.
    Reports are applied in parallel (and in any order), so an event may carry what an older report
    saw: judged on it, a container that just exited non-zero looked running again, and its alert
    resolved the instant it fired."""
    with transaction.atomic():
        host = _locked_host(host_id)
        if host is None:
            return
        row = Container.objects.filter(pk=facts.get("id"), host=host).defer("inspect").first()
        if row is not None:
            facts, removed = _container_facts(row), row.removed_at is not None
        _judge_container(rules, host, facts, removed or bool(facts.get("removed_at")), now)


def _judge_host_containers(host_id: int, now: datetime) -> None:
    rules = _rules_for(host_id, set(CONTAINER_KINDS))
    if not rules:
        return
    # One transaction for the whole host: a thousand alerts are one commit, not a thousand.
    with transaction.atomic():
        if (host := _locked_host(host_id)) is None:
            return
        for row in Container.objects.filter(host=host, removed_at__isnull=True).defer("inspect"):
            _judge_container(rules, host, _container_facts(row), False, now)


def _judge_host(host_id: int, body: dict, now: datetime) -> None:
    rules = _rules_for(host_id, set(HOST_KINDS))
    host = Host.objects.filter(pk=host_id).first()
    if not rules or host is None:
        return
    for rule in rules:
        for kind, holds in host_conditions(body, rule.threshold_percent).items():
            if kind in rule.events:
                _apply(rule, host, kind, holds, host.name, _host_title(kind, host, body, rule), now)


def _host_title(kind: str, host: Host, body: dict, rule: AlertRule) -> str:
    if kind == EventKind.HOST_OFFLINE:
        return f"Host {host.name} is offline"
    if kind == EventKind.HOST_ENGINE:
        return f"The Docker engine of host {host.name} is unreachable: {host.engine_error or 'no answer'}"
    what = "disk (under the engine's root folder)" if kind == EventKind.HOST_DISK else "memory"
    return f"Host {host.name}'s {what} is {body.get(USAGE_PERCENT[kind])} % used, past {rule.threshold_percent} %"


def judge_rule_hosts(rule: AlertRule, now: datetime | None = None) -> None:
    """Judge a rule's host usage conditions against the hosts as stored (a rule just made or
    changed: its threshold may already be passed, or no longer)."""
    if not rule.enabled or not set(rule.events) & set(USAGE_PERCENT):
        return
    now = now or timezone.now()
    scopes = TeamScopes()
    for host in Host.objects.all() if rule.all_hosts else rule.hosts.all():
        if not scopes.covers(rule, host.pk):
            continue
        body = {field: getattr(host, field) for field in USAGE_PERCENT.values()}
        for kind, holds in host_conditions(body, rule.threshold_percent).items():
            if kind in rule.events and kind in USAGE_PERCENT:
                _apply(rule, host, kind, holds, host.name, _host_title(kind, host, body, rule), now)


def _judge_operation(host_id: int, operation: dict, now: datetime) -> None:
    state = operation.get("state")
    if state not in ("failed", "succeeded"):
        return
    rules = _rules_for(host_id, {EventKind.OPERATION_FAILED})
    host = Host.objects.filter(pk=host_id).first()
    if not rules or host is None:
        return
    subject = f"{operation.get('kind')} {operation.get('target_repr') or ''}".strip()
    title = f"Operation {subject} on {host.name} failed: {operation.get('error') or 'no reason given'}"
    for rule in rules:
        _apply(rule, host, EventKind.OPERATION_FAILED, state == "failed", subject, title, now)


def _judge_terminal(host_id: int, session: dict, started: bool, now: datetime) -> None:
    host = Host.objects.filter(pk=host_id).first()
    if host is None or str((host.labels or {}).get(SENSITIVE_LABEL, "")).lower() not in ("1", "true", "yes"):
        return
    rules = _rules_for(host_id, {EventKind.TERMINAL_SENSITIVE})
    subject = f"terminal session {session.get('id')}"
    title = (
        f"{session.get('username') or 'Someone'} opened a terminal in {session.get('container_name') or '?'} "
        f"on sensitive host {host.name}"
    )
    for rule in rules:
        _apply(rule, host, EventKind.TERMINAL_SENSITIVE, started, subject, title, now)


def on_event(host_id: int, event: dict, now: datetime | None = None) -> None:
    """Judge one published event (portal/events/publish.py calls this for every one)."""
    kind = event.get("type", "")
    now = now or timezone.now()
    if kind.startswith("container."):
        if rules := _rules_for(host_id, set(CONTAINER_KINDS)):
            _judge_container_now(rules, host_id, event.get("container") or {}, kind == "container.removed", now)
    elif kind == "inventory.changed":
        _judge_host_containers(host_id, now)
    elif kind in ("host.updated", "host.created"):
        _judge_host(host_id, event.get("host") or {}, now)
    elif kind == "operation.updated":
        _judge_operation(host_id, event.get("operation") or {}, now)
    elif kind in ("terminal.started", "terminal.ended"):
        _judge_terminal(host_id, event.get("session") or {}, kind == "terminal.started", now)


def settle_restart_loops(now: datetime | None = None) -> int:
    """Resolve restart loops whose container has not restarted for the rule's window (no event
    comes to say so). A periodic job."""
    now = now or timezone.now()
    settled = 0
    loops = Alert.objects.filter(kind=EventKind.CONTAINER_RESTART_LOOP, state__in=OPEN).select_related("rule", "host")
    for alert in loops:
        window = timedelta(seconds=alert.rule.restart_window_seconds if alert.rule else 300)
        track = RestartTrack.objects.filter(
            host=alert.host, engine_id=(alert.detail or {}).get("engine_id", "")
        ).first()
        last = max((parse_datetime(t) for t in (track.times if track else [])), default=None)
        if (last is None or now - last > window) and now - alert.last_fired_at > window:
            resolve(alert, "No restart within the rule's window.", now)
            settled += 1
    return settled
