"""What this host worker trusts and proves: it runs only tasks the portal signed for this host,
and signs what it says (wire.signing); it opens what was sealed to it (wire.sealing)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from celery import Celery

from wire.keys import HostKeys, VerifyKey
from wire.signing import task_signed_by_portal

__all__ = ["ENROLL_HINT", "Trust", "register_signed_task"]

log = logging.getLogger(__name__)

ENROLL_HINT = (
    'An admin adds this host in Berth (Hosts → Add host, or POST /api/v1/hosts/ {{"name": "{name}"}}; '
    "for a host Berth knows already: Rotate credentials, or POST /api/v1/hosts/<id>/rotate/), "
    "which shows once the command that starts its worker: "
    "REDIS_URL=… BERTH_HOST_KEY=… BERTH_PORTAL_PUBLIC_KEY=… python -m workers --name {name}"
)


@dataclass(frozen=True)
class Trust:
    slug: str
    keys: HostKeys
    portal: VerifyKey


def register_signed_task(app: Celery, trust: Trust, name: str) -> Callable[[Callable], None]:
    """Registers `fn` as task `name` that runs only when the portal signed its arguments for this
    host; anything else (unsigned, signed by another key, meant for another host, altered) is
    logged and dropped."""

    def register(fn: Callable) -> None:
        # Not functools.wraps: Celery would then check the arguments against `fn`'s, signature included.
        @app.task(name=name, ignore_result=True)
        def task(**kwargs):
            accepted = task_signed_by_portal(trust.portal, name, trust.slug, kwargs)
            if accepted is None:
                log.error(
                    "Refused a %s task: it is not signed by the portal for host '%s' (unsigned, forged "
                    "or meant for another host); nothing was run.",
                    name,
                    trust.slug,
                )
                return None
            return fn(**accepted)

    return register
