"""Credentials for one pull or push (the operations branch calls this).

`auth_config_for(user, registry_id)` answers the docker SDK's `auth_config` for that registry —
{"username", "password", "serveraddress"} — or None when the registry has no saved credentials.
The policy decides first: a registry the user may not see is a 404 (Http404), one they see but
may not use (no developer role from its team's own bindings) is a 403 (a Forbidden refusal,
audited as a denied attempt). The result travels only inside the one task that needs it; never
log it or put it in a task's logged arguments.
"""

from __future__ import annotations

from django.http import Http404

from portal.access.policy import can
from portal.refusals import Forbidden
from portal.registries.models import Registry

__all__ = ["auth_config_for", "usable_registry"]


def usable_registry(user, registry_id) -> Registry:
    """The registry, if `user` may see it (else Http404) and use it (else Forbidden)."""
    try:
        registry = Registry.objects.select_related("team").restrict(user, "registry.view").get(pk=registry_id)
    except (Registry.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found, or not visible to you.") from None
    if not can(user, "registry.use", registry):
        owner = f" from its team, {registry.team.name}" if registry.team_id else ""
        raise Forbidden(
            f"Using {registry.name} in a pull or push needs the developer role{owner}.",
            action="registry.use",
            target=registry,
        )
    return registry


def auth_config_for(user, registry_id) -> dict | None:
    registry = usable_registry(user, registry_id)
    if not registry.username or not registry.has_password:  # (a new URL cleared the password)
        return None
    return {"username": registry.username, "password": registry.password(), "serveraddress": registry.server_address}
