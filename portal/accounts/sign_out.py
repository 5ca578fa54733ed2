"""Signing a user out everywhere: every personal token revoked and every session ended, which
closes their open sockets too (token sockets through portal.teams.revocation's token signal,
session sockets because their password hash no longer matches). An admin's password reset of
another user does this: whoever knew the old password, or holds a token made with it, is out."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.accounts.models import PersonalToken

__all__ = ["SignedOut", "sign_out_everywhere"]

# Session engines whose sessions Berth can list (a cache-only engine cannot be listed; its sessions
# still end, at their next request, because Django checks the password hash each one keeps).
LISTABLE_ENGINES = {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}


@dataclass(frozen=True)
class SignedOut:
    tokens: int
    sessions: int

    @property
    def ended(self) -> bool:
        return bool(self.tokens or self.sessions)


def _end_sessions(user) -> int:
    if settings.SESSION_ENGINE not in LISTABLE_ENGINES:
        return 0
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk)
    ]
    for key in keys:
        store(key).delete()
    return len(keys)


def sign_out_everywhere(user) -> SignedOut:
    """Call inside the transaction that makes the change; the sockets hear of it on commit."""
    tokens = list(PersonalToken.objects.filter(user=user))
    for token in tokens:
        token.delete()  # one by one: each deletion closes the sockets opened with that token
    return SignedOut(tokens=len(tokens), sessions=_end_sessions(user))
