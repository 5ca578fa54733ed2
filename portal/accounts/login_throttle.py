"""Login throttling, shared by the login page and `POST /api/v1/auth/token/`.

After BERTH_LOGIN_MAX_FAILURES failed logins for one username, or from one address, within
BERTH_LOGIN_LOCKOUT_SECONDS of the first, every further attempt for that username or from that
address is refused for BERTH_LOGIN_LOCKOUT_SECONDS, and the refusal is audited. A successful
login clears its username's count (not its address's: logging into one's own account must not
reset a count of guesses at others').

Counts live in Django's cache (Redis in production), so every web process shares them.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

from portal.audit.choices import Outcome
from portal.audit.record import client_ip, record

__all__ = ["LoginThrottled", "check_not_locked", "note_failure", "note_success"]


class LoginThrottled(Exception):
    """Too many failed logins: no attempt is made until `seconds` have passed."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        minutes = max(1, math.ceil(seconds / 60))
        super().__init__(f"Too many failed logins. Try again in {minutes} minute{'' if minutes == 1 else 's'}.")


def _subjects(request, username: str) -> list[str]:
    """What failures are counted against: the username (hashed, case folded, so the key is
    tidy and a change of case does not start a fresh count) and the client's address."""
    subjects = []
    if username:
        subjects.append("user:" + hashlib.sha256(username.casefold().encode()).hexdigest()[:32])
    if ip := client_ip(request):
        subjects.append(f"ip:{ip}")
    return subjects


def _failures_key(subject: str) -> str:
    return f"login-failures:{subject}"


def _lock_key(subject: str) -> str:
    return f"login-lock:{subject}"


def check_not_locked(request, username: str) -> None:
    """Raises LoginThrottled (and audits the refused attempt) while the username or the
    client's address is locked out."""
    locks = cache.get_many([_lock_key(subject) for subject in _subjects(request, username)])
    seconds = max((math.ceil(until - time.time()) for until in locks.values()), default=0)
    if seconds > 0:
        record(
            "login",
            request=request,
            outcome=Outcome.DENIED,
            detail={"username": username, "reason": "too many failed logins"},
        )
        raise LoginThrottled(seconds)


def note_failure(request, username: str) -> None:
    """Counts a failed login; the one that reaches the limit starts the lockout."""
    lockout = settings.BERTH_LOGIN_LOCKOUT_SECONDS
    for subject in _subjects(request, username):
        key = _failures_key(subject)
        # The count's window starts at the first failure; incr keeps the key's expiry.
        cache.add(key, 0, timeout=lockout)
        try:
            failures = cache.incr(key)
        except ValueError:  # the window ended between add and incr
            cache.set(key, 1, timeout=lockout)
            failures = 1
        if failures >= settings.BERTH_LOGIN_MAX_FAILURES:
            cache.set(_lock_key(subject), time.time() + lockout, timeout=lockout)
            cache.delete(key)


def note_success(username: str) -> None:
    cache.delete_many([_failures_key(subject) for subject in _subjects(None, username)])
