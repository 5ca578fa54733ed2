"""Issuing and revoking a user's own personal tokens, audited (the key never is)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from portal.accounts.models import PersonalToken
from portal.audit.record import record

__all__ = ["issue_token", "revoke_token"]


def _detail(token: PersonalToken) -> dict:
    return {
        "name": token.name,
        "prefix": token.key_prefix,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    }


def issue_token(request, *, name: str, expires_at: datetime | None = None) -> tuple[PersonalToken, str]:
    """A new token of the requesting user, with its key: the only time the key is known."""
    with transaction.atomic():
        token, key = PersonalToken.issue(request.user, name, expires_at=expires_at)
        record("token.create", request=request, target=token, detail=_detail(token))
    return token, key


def revoke_token(request, token: PersonalToken) -> None:
    """Deletes the token: the next request made with it is refused."""
    with transaction.atomic():
        record("token.revoke", request=request, target=token, detail=_detail(token))
        token.delete()
