"""Login throttling, shared by the login page and `POST /api/v1/auth/token/`.

Every attempt is counted *before* its password is tried, with the cache's atomic add and incr
(Redis's SET NX and INCR in production, a lock in LocMemCache), so parallel guesses cannot all slip
in while the count is read: however many arrive at once, no more than the limit are tried.

- **An address** that made BERTH_LOGIN_MAX_FAILURES attempts that failed, within
  BERTH_LOGIN_LOCKOUT_SECONDS of its first, is locked out for BERTH_LOGIN_LOCKOUT_SECONDS.
- **A username** is never locked out (that would lock its owner out for everyone who guesses at
  it). Past the limit it slows down instead: one attempt, from anywhere, then a wait that doubles
  with each further attempt (1 s, 2 s, 4 s, … up to BERTH_LOGIN_MAX_DELAY_SECONDS), so its owner
  waits seconds while a guesser across many addresses gets a few tries a minute.

A refused attempt is audited and its password never tried. A successful login clears its
username's count and gives its address back the attempt (not the address's whole count: logging
into one's own account must not reset a count of guesses at others'). Counts live in Django's
cache (Redis in production), so every web process shares them.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

from portal.audit.choices import Outcome
from portal.audit.record import client_ip, record

__all__ = ["LoginThrottled", "attempt_failed", "attempt_succeeded", "begin_attempt"]


class LoginThrottled(Exception):
    """Too many failed logins: no attempt is made until `seconds` have passed."""

    def __init__(self, seconds: int, *, username: bool = False):
        self.seconds = max(1, seconds)
        if username:  # a wait of seconds, said in seconds
            wait = f"{self.seconds} second{'' if self.seconds == 1 else 's'}"
        else:
            minutes = math.ceil(self.seconds / 60)
            wait = f"{minutes} minute{'' if minutes == 1 else 's'}"
        whose = " for this username" if username else ""
        super().__init__(f"Too many failed logins{whose}. Try again in {wait}.")


def _username_subject(username: str) -> str:
    """The username hashed (case folded, so the key is tidy and a change of case does not start a
    fresh count)."""
    return "user:" + hashlib.sha256(username.casefold().encode()).hexdigest()[:32]


def _count(key: str, window: int) -> int:
    """Adds one to the count at `key`, whose window starts at its first attempt: atomic."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.add(key, 0, timeout=window)
        count = cache.incr(key)
    if count == 1:
        # Redis's INCR makes a key that expired under it afresh, without an expiry: give it one.
        cache.touch(key, window)
    return count


def _uncount(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window ended meanwhile: nothing left to give back
        cache.decr(key)


def _attempts_key(subject: str) -> str:
    return f"login-attempts:{subject}"


def _lock_key(subject: str) -> str:
    return f"login-lock:{subject}"


def _slot_key(subject: str) -> str:
    return f"login-slot:{subject}"


def _refuse(request, username: str, throttled: LoginThrottled) -> LoginThrottled:
    record(
        "login",
        request=request,
        outcome=Outcome.DENIED,
        detail={"username": username, "reason": "too many failed logins"},
    )
    return throttled


def _seconds_until(until) -> int:
    return math.ceil(float(until) - time.time()) if until else 1


def _lock(subject: str) -> None:
    lockout = settings.BERTH_LOGIN_LOCKOUT_SECONDS
    cache.add(_lock_key(subject), time.time() + lockout, timeout=lockout)


def _address_refusal(subject: str, window: int) -> LoginThrottled | None:
    """Counts the attempt against the address; the refusal when the address is locked out (or
    would be, once the attempts already under way have failed)."""
    count = _count(_attempts_key(subject), window)
    if count > settings.BERTH_LOGIN_MAX_FAILURES:
        _lock(subject)
    until = cache.get(_lock_key(subject))
    if until is None:
        return None
    _uncount(_attempts_key(subject))
    return LoginThrottled(_seconds_until(until))


def _username_refusal(subject: str, window: int) -> LoginThrottled | None:
    """Counts the attempt against the username; past the limit, one attempt may take the slot
    that opens after each wait, and every other attempt meanwhile is refused."""
    limit = settings.BERTH_LOGIN_MAX_FAILURES
    count = _count(_attempts_key(subject), window)
    if count < limit:
        return None
    delay = min(settings.BERTH_LOGIN_MAX_DELAY_SECONDS, 2 ** (count - limit))
    if cache.add(_slot_key(subject), time.time() + delay, timeout=delay):
        return None
    _uncount(_attempts_key(subject))
    return LoginThrottled(_seconds_until(cache.get(_slot_key(subject))), username=True)


def begin_attempt(request, username: str) -> None:
    """Counts a login attempt before its password is tried: a failed one stays counted. Raises
    LoginThrottled (and audits the refused attempt, which then counts for nothing) when the address
    is locked out or the username must wait."""
    window = settings.BERTH_LOGIN_LOCKOUT_SECONDS
    ip = client_ip(request)
    address = f"ip:{ip}" if ip else ""
    if address and (refusal := _address_refusal(address, window)):
        raise _refuse(request, username, refusal)
    if username and (refusal := _username_refusal(_username_subject(username), window)):
        if address:
            _uncount(_attempts_key(address))
        raise _refuse(request, username, refusal)


def attempt_failed(request, username: str) -> None:
    """The attempt begun failed, and stays counted; the failure that reaches the limit starts its
    address's lockout."""
    if (ip := client_ip(request)) and (cache.get(_attempts_key(f"ip:{ip}")) or 0) >= settings.BERTH_LOGIN_MAX_FAILURES:
        _lock(f"ip:{ip}")


def attempt_succeeded(request, username: str) -> None:
    """The attempt begun logged in: its username starts afresh, its address gets the attempt back."""
    if username:
        subject = _username_subject(username)
        cache.delete_many([_attempts_key(subject), _slot_key(subject)])
    if ip := client_ip(request):
        _uncount(_attempts_key(f"ip:{ip}"))
