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
    "mask_history",
    "mask_inspect",
    "mask_layers",
    "mask_operation_params",
    "may_see_secrets",
    "redact",
    "scrub_build_args",
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


# Secrets inside free text (a command line, a URL): `DB_PASSWORD=x ./run`, `--token=x`,
# `postgres://user:x@db`.
_TEXT_ASSIGNMENT = re.compile(r"""(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_-]*)=("[^"]*"|'[^']*'|[^\s"']+)""")
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@")


def _mask_text(text: str) -> str:
    if "=" in text:
        text = _TEXT_ASSIGNMENT.sub(lambda found: f"{found[1]}={MASK}" if _is_secret_key(found[1]) else found[0], text)
    return _URL_PASSWORD.sub(rf"\1{MASK}@", text) if "://" in text else text


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
    if isinstance(value, str):
        return _mask_text(value)
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


# An image's history (each layer's `created_by`) holds values too. Docker writes the build args a
# RUN step saw before its command, "|2 A=1 B=2 /bin/sh -c make" (BuildKit: "RUN |2 A=1 …"), and
# ARG and ENV instructions with their values ("ARG A=1", "/bin/sh -c #(nop)  ENV B=2").
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ASSIGNMENT = re.compile(rf"^({_NAME})=")
_RUN_ARGS = re.compile(r"^(?P<lead>(?:RUN )?)\|(?P<count>\d+) (?P<rest>.*)$", re.DOTALL)
_INSTRUCTION = re.compile(r"(?P<lead>(?:^|#\(nop\)\s+))(?P<word>ARG|ENV)\s+(?P<rest>.*)$", re.DOTALL)
_PAIRS = re.compile(rf"({_NAME})=.*?(?=\s+{_NAME}=|$)", re.DOTALL)
_LEGACY_ENV = re.compile(rf"^({_NAME})\s+.+$", re.DOTALL)  # ENV NAME value


def _command_start(token: str) -> bool:
    """Where a RUN step's command begins after its build args: the shell ("/bin/sh -c …"), or
    an absolute path. (Docker does not quote the values, so a value's spaces are ambiguous.)"""
    return token.startswith("/") or token in ("sh", "bash", "cmd", "powershell", "pwsh")


def _mask_run_args(count: int, rest: str) -> str:
    tokens = rest.split(" ")
    kept, index, seen = [], 0, 0
    while index < len(tokens) and seen < count:
        named = _ASSIGNMENT.match(tokens[index])
        if named is None:  # not what Docker writes: keep nothing of it
            return " ".join([*kept, MASK])
        kept.append(f"{named.group(1)}={MASK}")
        seen += 1
        index += 1
        if seen < count:  # the value runs on to the next NAME=
            while index < len(tokens) and not _ASSIGNMENT.match(tokens[index]):
                index += 1
        else:  # the last value runs on to where the command starts, when that can be seen
            start = next((i for i in range(index, len(tokens)) if _command_start(tokens[i])), index)
            index = start
    return " ".join(kept + tokens[index:])


def _mask_values(word: str, rest: str) -> str:
    if word == "ENV" and "=" not in rest.split(" ", 1)[0] and (legacy := _LEGACY_ENV.match(rest)):
        return f"{legacy.group(1)} {MASK}"
    return _PAIRS.sub(lambda pair: f"{pair.group(1)}={MASK}", rest)


def scrub_build_args(created_by: str) -> str:
    """A history line without build-arg values (a RUN step's `|N NAME=value …` and ARG values):
    what the inventory stores, for everybody, since build-arg values are never stored."""
    if run := _RUN_ARGS.match(created_by):
        return f"{run['lead']}|{run['count']} {_mask_run_args(int(run['count']), run['rest'])}"
    if (found := _INSTRUCTION.search(created_by)) and found["word"] == "ARG":
        return created_by[: found.start("rest")] + _mask_values("ARG", found["rest"])
    return created_by


def mask_history(created_by: str) -> str:
    """A history line as a user below developer sees it: ENV values masked too."""
    created_by = scrub_build_args(created_by)
    if (found := _INSTRUCTION.search(created_by)) and found["word"] == "ENV":
        return created_by[: found.start("rest")] + _mask_values("ENV", found["rest"])
    return created_by


def mask_layers(layers: list[dict]) -> list[dict]:
    """An image's layer stack (portal.images.history) with each `created_by` masked."""
    return [{**layer, "created_by": mask_history(str(layer.get("created_by") or ""))} for layer in layers]


def redact(detail: dict | None) -> dict:
    """An audit detail for everybody: credential-like keys dropped and environment values masked,
    at any depth (an audit event outlives any role)."""
    return _mask_nested(detail or {}, drop_secret_keys=True)
