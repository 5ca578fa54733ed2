"""A logging filter that takes personal tokens out of every log line: a websocket's `?token=`
(uvicorn's access and connection lines print the path with its query), and any token key
(`berth_` and 43 characters) wherever it appears. Plain Python, so uvicorn's own logging config
(stack/uvicorn_logging.json) can use it before Django starts."""

from __future__ import annotations

import logging
import re

__all__ = ["REDACTED", "RedactTokens", "redact"]

REDACTED = "[redacted]"
_QUERY_TOKEN = re.compile(r"([?&;](?:token|access_token)=)[^&\s\"'#]*", re.IGNORECASE)
_KEY = re.compile(r"\bberth_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


def redact(text: str) -> str:
    return _KEY.sub(f"berth_{REDACTED}", _QUERY_TOKEN.sub(rf"\1{REDACTED}", text))


def _redacted(value):
    return redact(value) if isinstance(value, str) else value


class RedactTokens(logging.Filter):
    """Rewrites the record's message and its string arguments in place (uvicorn's access formatter
    unpacks the arguments, so they keep their shape); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        return True
