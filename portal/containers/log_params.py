"""The query of a logs request (`tail`, `since`, `timestamps`), read the same way by the logs
websocket and the download endpoint; a bad value is a sentence the user can act on."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

from django.utils.dateparse import parse_datetime

from portal.refusals import Refusal
from wire.streams import MAX_TAIL

__all__ = ["LogParamsError", "log_params"]

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


class LogParamsError(Refusal):
    """A logs query the engine could not be asked; the sentence says which value and why (400)."""

    code = "invalid"


def _tail(value: str) -> int | None:
    if value in ("", "all"):
        return None
    if not value.isdigit() or int(value) > MAX_TAIL:
        raise LogParamsError(f"tail must be a number of lines from 0 to {MAX_TAIL:,}, or all (got {value!r}).")
    return int(value)


def _since(value: str, now: float) -> float | None:
    if not value:
        return None
    if match := _DURATION.match(value):
        return now - float(match[1]) * _SECONDS[match[2]]
    try:
        since = float(value)
    except ValueError:
        moment = parse_datetime(value)
        if moment is None or moment.tzinfo is None:
            raise LogParamsError(
                "since must be a Unix time in seconds, a date and time with its zone "
                f"(2026-01-31T12:00:00Z) or a duration ago such as 10m, 2h or 1d (got {value!r})."
            ) from None
        since = moment.timestamp()
    if since < 0:
        raise LogParamsError(f"since must not be before 1970 (got {value!r}).")
    return since


def _flag(name: str, value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise LogParamsError(f"{name} must be 1 or 0 (got {value!r}).")


def log_params(query: Mapping[str, str], now: float | None = None) -> dict:
    """{"tail": int | None, "since": float | None, "timestamps": bool}, as the `logs.open` request carries."""
    return {
        "tail": _tail(query.get("tail", "").strip()),
        "since": _since(query.get("since", "").strip(), time.time() if now is None else now),
        "timestamps": _flag("timestamps", query.get("timestamps", "").strip()),
    }
