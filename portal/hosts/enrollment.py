"""Enrolling a host: its own keys and broker credentials, shown once, as an environment and a
ready command line. Enrolling again (rotation) replaces them, and the old ones stop working at
once: the old Redis user's connections are closed, and reports signed with the old key dropped.
Removing a host removes its broker user and what its queue held."""

from __future__ import annotations

import secrets
import shlex
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.utils import timezone

from portal.hosts.broker_users import (
    broker_management,
    drop_host_user,
    purge_host_keys,
    refresh_host_users,
    set_host_user,
)
from portal.hosts.models import Host
from portal.hosts.portal_key import portal_key
from wire.keys import HostKeys

__all__ = ["Enrollment", "enroll", "refresh_enrolled_users", "unenroll"]

FIELDS = ["verify_key", "seal_key", "broker_user", "enrolled_at", "forged_report", "forged_report_at", "updated_at"]


@dataclass(frozen=True)
class Enrollment:
    """What a host's worker needs to join, shown once: never stored, never logged."""

    env: dict[str, str]
    command: str
    broker_user: str
    warning: str = ""

    def to_api(self) -> dict:
        return {"env": self.env, "command": self.command, "broker_user": self.broker_user, "warning": self.warning}


def with_credentials(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, f"{quote(user, safe='')}:{quote(password, safe='')}@{netloc}", parts.path, "", ""))


def enroll(host: Host) -> Enrollment:
    """New keys and broker credentials for the host; whatever it had before stops working."""
    keys = HostKeys.generate()
    management = broker_management()
    url = settings.BERTH_HOST_REDIS_URL
    user = ""
    if management.managed:
        password = secrets.token_urlsafe(32)
        user = set_host_user(host.slug, password)
        url = with_credentials(url, user, password)
    public = keys.public()
    host.verify_key, host.seal_key, host.broker_user = public.verify, public.seal, user
    host.enrolled_at = timezone.now()
    host.forged_report, host.forged_report_at = "", None
    host.save(update_fields=FIELDS)
    env = {
        "REDIS_URL": url,
        "BERTH_HOST_KEY": keys.to_text(),
        "BERTH_PORTAL_PUBLIC_KEY": portal_key().public().to_text(),
    }
    command = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())
    command += f" python -m workers --name {shlex.quote(host.slug)}"
    return Enrollment(env=env, command=command, broker_user=user, warning=management.problem)


def unenroll(host: Host) -> None:
    """For a host being removed: its broker user goes (and with it its connections), and so
    does what its queue held."""
    if host.broker_user:
        drop_host_user(host.broker_user)
    purge_host_keys(host.slug)


def refresh_enrolled_users() -> int:
    """At the portal worker's start: every enrolled host's broker user gets today's rules."""
    return refresh_host_users(list(Host.objects.exclude(broker_user="").values_list("slug", flat=True)))
