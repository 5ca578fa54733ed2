"""The ASGI entry point: Django for HTTP, Channels for websockets (origin checked, then auth)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from portal.request_threads import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from portal.accounts.socket_auth import BerthAuthMiddlewareStack  # noqa: E402
from portal.body_limits import BodyLimits  # noqa: E402
from portal.routing import websocket_urlpatterns  # noqa: E402
from portal.ws.origin import SameOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodyLimits(django_asgi_app),
        "websocket": SameOriginValidator(BerthAuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
