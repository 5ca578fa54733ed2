"""Signatures on what crosses the broker, so that no client of Redis can speak for another.

What is signed is the message's canonical JSON (sorted keys, no spaces) together with what it
claims to be: for a task its name and the host it is for, for a report the host it names. A
signature therefore cannot be moved to another task, another host or another kind of message.

- the portal signs each task to a host (`sign_task`); the host checks it with the portal's public
  key (`task_signed_by_portal`) and runs nothing else;
- a host signs each report (`sign_report`); the portal checks it with the key of the host the
  report names (`report_signed_by`) and drops it otherwise;
- stream messages from a host are not signed here but MACed with a key per stream, sealed to the
  host (wire.stream_signing): a terminal under a flood sends thousands a second.

Why not Celery's `auth` serializer: it accepts a message signed by any certificate in its store,
so it cannot tell the portal "this report is from host B's key"; and it would sign the portal
worker's own traffic too. An Ed25519 signature in the envelope binds each message to its sender.
"""

from __future__ import annotations

import json
from typing import Any

from wire.keys import HostKeys, PortalKey, VerifyKey

__all__ = [
    "SIGNATURE_FIELD",
    "canonical",
    "report_signed_by",
    "sign_report",
    "sign_task",
    "task_signed_by_portal",
]

# The keyword argument (tasks, reports) or message field (streams) that carries the signature.
SIGNATURE_FIELD = "signature"


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _task_bytes(name: str, host: str, kwargs: dict) -> bytes:
    return canonical({"for": "task", "task": name, "host": host, "kwargs": kwargs})


def sign_task(key: PortalKey, name: str, host: str, kwargs: dict) -> dict:
    """The task's keyword arguments with the portal's signature added."""
    return {**kwargs, SIGNATURE_FIELD: key.sign(_task_bytes(name, host, kwargs))}


def task_signed_by_portal(key: VerifyKey, name: str, host: str, kwargs: dict) -> dict | None:
    """The task's own keyword arguments when the portal signed them for this host; else None."""
    kwargs = dict(kwargs)
    signature = kwargs.pop(SIGNATURE_FIELD, None)
    if not isinstance(signature, str) or not key.verify(signature, _task_bytes(name, host, kwargs)):
        return None
    return kwargs


def _report_bytes(report: Any) -> bytes:
    host = report.get("host") if isinstance(report, dict) else None
    return canonical({"for": "report", "host": host, "report": report})


def sign_report(keys: HostKeys, report: dict) -> str:
    return keys.sign(_report_bytes(report))


def report_signed_by(key: VerifyKey, report: Any, signature: Any) -> bool:
    return isinstance(signature, str) and key.verify(signature, _report_bytes(report))
