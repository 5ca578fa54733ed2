"""Secrets by role, in one place: environment values, build args and registry credentials are
shown only to users who hold `secret.view` (developer) on the host they belong to; everyone
else sees the names with the values masked.

Every door asks here: the API's serializers (container inspect, operation params), the
websockets that serve one published message to several users (each masks for its recipient),
and the audit trail, whose details are redacted for everybody (`redact`).
"""

from __future__ import annotations

import re
from typing import Any

from portal.access.policy import can

__all__ = [
    "MASK",
    "mask_env",
    "mask_event",
    "mask_inspect",
    "mask_operation_params",
    "may_see_secrets",
    "redact",
    "secrets_shown",
]

MASK = "••••"
SECRET_VIEW = "secret.view"  # noqa: S105 (a policy action, not a password)

# Words whose key holds a secret as its whole value (passwords, tokens, registry auth, …),
# as a word of the key: `auth_config` and `api_key` are secrets, `author` is not.
SECRET_WORDS = {"password", "passwd", "token", "key", "secret", "secrets", "credential", "credentials", "auth"}
# Keys that hold NAME=value pairs: the names are shown, the values masked.
ENV_KEYS = {"env", "environment", "buildargs", "build_args"}


def may_see_secrets(viewer, host_id: int | None) -> bool:
    """May `viewer` (a user, request or AccessScope) see secret values on the host `host_id`."""
    return viewer is not None and can(viewer, SECRET_VIEW, host_id)


def secrets_shown(context: dict, host_id: int | None) -> bool:
    """For a serializer: whether the viewer its context names (`request`, or `access` for a
    socket's scope) may see secrets on `host_id`. A publisher that masks per recipient later says
    `unmasked`; with no viewer named, values are masked."""
    if context.get("unmasked"):
        return True
    return may_see_secrets(context.get("request") or context.get("access"), host_id)


def mask_env(env: Any) -> Any:
    """`["NAME=value", …]` → `["NAME=••••", …]`; `{"NAME": "value"}` → `{"NAME": "••••"}`."""
    if isinstance(env, dict):
        return {name: MASK for name in env}
    if isinstance(env, list):
        return [f"{line.partition('=')[0]}={MASK}" if isinstance(line, str) else MASK for line in env]
    return MASK if env not in (None, "") else env


def _is_secret_key(key: str) -> bool:
    return any(word in SECRET_WORDS for word in re.split(r"[^a-z0-9]+|(?<=[a-z])(?=[0-9])", key.lower()))


def _mask_nested(value: Any, *, drop_secret_keys: bool) -> Any:
    if isinstance(value, dict):
        masked = {}
        for key, item in value.items():
            name = str(key)
            if name.lower() in ENV_KEYS:
                masked[key] = mask_env(item)
            elif _is_secret_key(name):
                if not drop_secret_keys:
                    masked[key] = MASK
            else:
                masked[key] = _mask_nested(item, drop_secret_keys=drop_secret_keys)
        return masked
    if isinstance(value, list):
        return [_mask_nested(item, drop_secret_keys=drop_secret_keys) for item in value]
    return value


def mask_operation_params(params: dict | None) -> dict:
    """An operation's params as a user below developer sees them: the run spec's environment,
    build args and anything credential-like masked, at any depth."""
    return _mask_nested(params or {}, drop_secret_keys=False)


def mask_inspect(inspect: dict | None) -> dict | None:
    """An engine inspect body with its `Config.Env` (and an image's `ContainerConfig.Env`) masked."""
    if not isinstance(inspect, dict):
        return inspect
    masked = dict(inspect)
    for section in ("Config", "ContainerConfig"):
        config = masked.get(section)
        if isinstance(config, dict) and config.get("Env"):
            masked[section] = {**config, "Env": mask_env(config["Env"])}
    return masked


def mask_event(event: dict) -> dict:
    """An event for open pages (`/ws/events/`) as a user below developer on its host sees it."""
    masked = dict(event)
    for kind in ("container", "image"):
        if isinstance(masked.get(kind), dict) and "inspect" in masked[kind]:
            masked[kind] = {**masked[kind], "inspect": mask_inspect(masked[kind]["inspect"])}
    operation = masked.get("operation")
    if isinstance(operation, dict) and "params" in operation:
        masked["operation"] = {**operation, "params": mask_operation_params(operation["params"])}
    return masked


def redact(detail: dict | None) -> dict:
    """An audit detail for everybody: credential-like keys dropped and environment values masked,
    at any depth (an audit event outlives any role)."""
    return _mask_nested(detail or {}, drop_secret_keys=True)
