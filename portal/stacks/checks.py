"""What a stack's file is checked for before anything is sent: a project name compose accepts,
YAML that parses (the line and the message when not), the shape of a compose file (services, each
a mapping with an image or a build), an .env of KEY=value lines, sizes, and the dangerous-option
rule on the file as written (the host worker judges compose's normalized form again, so spelling
tricks do not get past it). Each is a refusal with a sentence and a code."""

from __future__ import annotations

import re
from typing import Any

import yaml

from portal.refusals import Refusal

__all__ = [
    "COMPOSE_LIMIT",
    "InvalidCompose",
    "env_checked",
    "parsed_compose",
    "project_name_checked",
]

COMPOSE_LIMIT = 512 * 1024
ENV_LIMIT = 64 * 1024
# Aliases are shared, not copied, by the parser; compose expands them: a few hundred is plenty.
ALIASES_LIMIT = 200
# Compose's own rule for project names.
PROJECT_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
SERVICE_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
ENV_LINE_RE = re.compile(r"\s*(export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=.*")
TOP_LEVEL = {"version", "name", "services", "networks", "volumes", "configs", "secrets", "include", "models"}


class InvalidCompose(Refusal):
    code = "invalid_compose"


def project_name_checked(name: str) -> str:
    name = (name or "").strip()
    if not PROJECT_RE.fullmatch(name) or len(name) > 63:
        raise Refusal(
            f"'{name[:80]}' is not a stack name: use lowercase letters, digits, _ and -, starting with a "
            "letter or digit (at most 63).",
            "invalid_name",
        )
    return name


def parsed_compose(text: str) -> dict[str, Any]:
    """The file as a mapping, or InvalidCompose with the line and what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidCompose("The compose file is empty: write at least one service under services:.")
    if len(text.encode()) > COMPOSE_LIMIT:
        raise InvalidCompose(f"The compose file is larger than {COMPOSE_LIMIT // 1024} KiB.", "too_large")
    if len(re.findall(r"\*[A-Za-z0-9_-]+", text)) > ALIASES_LIMIT:
        raise InvalidCompose("The compose file has too many YAML aliases.")
    try:
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" on line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InvalidCompose(f"The compose file is not valid YAML{where}: {exc.problem or exc.context}.") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise InvalidCompose(f"The compose file is not valid YAML: {exc}.") from None
    if not isinstance(document, dict):
        raise InvalidCompose("The compose file must be a mapping with services: at its top.")
    unknown = sorted(str(key) for key in document if str(key) not in TOP_LEVEL and not str(key).startswith("x-"))
    if unknown:
        raise InvalidCompose(f"The compose file has unknown top-level keys: {', '.join(unknown)}.")
    services = document.get("services")
    if not isinstance(services, dict) or not services:
        raise InvalidCompose("The compose file has no services: write at least one under services:.")
    for name, service in services.items():
        if not isinstance(name, str) or not SERVICE_RE.fullmatch(name):
            raise InvalidCompose(f"'{name}' is not a service name: use letters, digits, _ . and -.")
        if not isinstance(service, dict):
            raise InvalidCompose(f"Service {name} must be a mapping (with at least an image).")
        if not service.get("image") and not service.get("build") and not service.get("extends"):
            raise InvalidCompose(f"Service {name} has no image: say which image it runs.")
    return document


def env_checked(text: str) -> str:
    text = text or ""
    if len(text.encode()) > ENV_LIMIT:
        raise Refusal(f"The .env is larger than {ENV_LIMIT // 1024} KiB.", "too_large")
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#") and not ENV_LINE_RE.fullmatch(line):
            raise Refusal(f"Line {number} of the .env is not KEY=value.", "invalid_env")
    return text
