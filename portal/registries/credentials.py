"""Registry credentials for one pull or push: found here, sent inside that one task, kept nowhere.

A registry's credentials go to that registry only: a reference that names another registry is
refused rather than sent off with them. When no registry is named, the one registry the user may
use whose address the reference names lends its credentials (as `docker login` would have).
"""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

from portal.registries.addresses import reference_domain
from portal.registries.auth import auth_config_for, usable_registry
from portal.registries.models import Registry

__all__ = ["reference_registry", "registry_auth"]

DOCKER_HUB = "docker.io"


def reference_registry(reference: str) -> str:
    """The registry a reference names, by Docker's rules (portal.registries.addresses)."""
    return reference_domain(reference)


def _address(registry: Registry) -> str:
    return DOCKER_HUB if registry.is_docker_hub else registry.host_and_port.lower()


def registry_auth(user, registry_id: int | None, reference: str) -> dict | None:
    """The `auth_config` ({username, password, serveraddress}) for pulling or pushing `reference`
    on behalf of `user`, or None to go anonymously. A registry the user may not see is a 404, one
    they may not use a 403 (portal.registries.auth)."""
    domain = reference_registry(reference)
    if registry_id is None:
        usable = Registry.objects.restrict(user, "registry.use")
        matching = [r for r in usable if r.has_password and _address(r) == domain]
        return auth_config_for(user, matching[0].pk) if len(matching) == 1 else None
    registry = usable_registry(user, registry_id)
    if _address(registry) != domain:
        raise ValidationError(
            {
                "registry": f"'{reference}' is not in {registry.name} ({_address(registry)}), and its credentials "
                f"go only to it: write the reference as {_address(registry)}/<repository>:<tag>."
            },
            code="registry_mismatch",
        )
    return auth_config_for(user, registry.pk)
