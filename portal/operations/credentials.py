"""Registry credentials for one pull or push: found here, sent inside that one task, kept nowhere."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

__all__ = ["registry_auth"]


def registry_auth(user, registry_id: int | None, reference: str) -> dict | None:
    """The `auth_config` ({username, password, serveraddress}) for pulling or pushing `reference`
    with the registry `registry_id` on behalf of `user`; None when no registry was named.

    The registries app (issue 7) replaces this body with its lookup (which checks the user may
    use that registry, and decrypts its password)."""
    if registry_id is None:
        return None
    raise ValidationError({"registry": "Registries are not configured yet in this Berth."}, code="no_registries")
