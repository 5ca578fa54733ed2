"""Websocket authentication: the session cookie (Channels' AuthMiddleware) or `?token=`."""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async

from portal.accounts.authentication import token_for_key

__all__ = ["BerthAuthMiddlewareStack"]


class TokenQueryAuthMiddleware:
    """When the query string carries `token=`, that token decides who the user is."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode(errors="replace"))
        if keys := query.get("token"):
            from django.contrib.auth.models import AnonymousUser

            token = await database_sync_to_async(token_for_key)(keys[0])
            scope = dict(
                scope,
                user=token.user if token is not None else AnonymousUser(),
                auth_token_id=token.pk if token is not None else None,
                auth_token_expires_at=token.expires_at if token is not None else None,
            )
        return await self.inner(scope, receive, send)


def BerthAuthMiddlewareStack(inner):
    return AuthMiddlewareStack(TokenQueryAuthMiddleware(inner))
