"""Cross-site websocket hijacking guard: a browser's Origin must be this site's own."""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings

__all__ = ["SameOriginValidator"]


class SameOriginValidator:
    """Allows a websocket when its Origin matches the Host it was opened on, or is listed in
    BERTH_TRUSTED_ORIGINS. Clients that send no Origin (scripts, not browsers) pass: the
    attack needs a browser, and browsers always send one."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not self.allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)

    @staticmethod
    def allowed(scope) -> bool:
        headers = dict(scope.get("headers") or [])
        origin = headers.get(b"origin", b"").decode("latin-1")
        if not origin:
            return True
        if origin in settings.CSRF_TRUSTED_ORIGINS:
            return True
        host = headers.get(b"host", b"").decode("latin-1").lower()
        return bool(host) and urlsplit(origin).netloc.lower() == host
