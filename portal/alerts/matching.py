"""Which containers a rule is about: `match` names glob patterns (`names`), labels (`labels`,
key=value or a bare key for any value) and compose projects (`stacks`); each given part must match."""

from __future__ import annotations

from fnmatch import fnmatchcase

__all__ = ["STACK_LABEL", "match_errors", "matches_container"]

STACK_LABEL = "com.docker.compose.project"


def matches_container(match: dict, name: str, labels: dict) -> bool:
    names = match.get("names") or []
    if names and not any(fnmatchcase(name, pattern) for pattern in names):
        return False
    for wanted in match.get("labels") or []:
        key, sep, value = str(wanted).partition("=")
        if key not in labels or (sep and labels[key] != value):
            return False
    stacks = match.get("stacks") or []
    return not stacks or labels.get(STACK_LABEL) in stacks


def match_errors(match) -> str:
    """A sentence saying what is wrong with `match`, or "" when it is well formed."""
    if not isinstance(match, dict):
        return "match must be an object with names, labels and stacks (lists of text)."
    unknown = set(match) - {"names", "labels", "stacks"}
    if unknown:
        return f"match knows names, labels and stacks, not {', '.join(sorted(map(str, unknown)))}."
    for key, value in match.items():
        if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= 200 for v in value):
            return f"match.{key} must be a list of text (each 1 to 200 characters)."
        if len(value) > 50:
            return f"match.{key} holds at most 50 entries."
    return ""
