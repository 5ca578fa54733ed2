"""`Authorization: Token <key>` for the REST API."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from portal.accounts.models import PersonalToken
from portal.accounts.token_lookup import token_with_key

__all__ = ["PersonalTokenAuthentication", "token_for_key"]

# Writing last_used_at on every request would make each GET a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_for_key(key: str) -> PersonalToken | None:
    """The live token with this key (its user loaded), or None. Shared by the API and websockets."""
    token = token_with_key(key)
    if token is None or token.expired:
        return None
    return _used(token)


def _used(token: PersonalToken) -> PersonalToken:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        PersonalToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as 'Authorization: Token <key>'.")
        token = token_with_key(header[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed("This token is unknown, revoked or expired.")
        if token.expired:
            raise exceptions.AuthenticationFailed(
                f"This token ({token.name}, {token.key_prefix}…) expired at {token.expires_at:%Y-%m-%d %H:%M} UTC. "
                "Make a new one on your API tokens page, or with POST /api/v1/auth/token/.",
                code="token_expired",
            )
        return _used(token).user, token

    def authenticate_header(self, request):
        return self.keyword
