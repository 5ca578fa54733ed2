from django.urls import path, re_path

from portal.containers.sockets import ContainerLogsConsumer, ContainerStatsConsumer
from portal.events.consumers import EventsConsumer
from portal.operations.consumers import OperationConsumer
from portal.terminals.consumers import AttachConsumer, TerminalConsumer
from portal.terminals.watch_consumer import WatchConsumer
from portal.ws.unknown import UnknownPathConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
    path("ws/operations/<int:pk>/", OperationConsumer.as_asgi()),
    path("ws/containers/<int:pk>/logs/", ContainerLogsConsumer.as_asgi()),
    path("ws/containers/<int:pk>/stats/", ContainerStatsConsumer.as_asgi()),
    path("ws/containers/<int:pk>/terminal/", TerminalConsumer.as_asgi()),
    path("ws/containers/<int:pk>/attach/", AttachConsumer.as_asgi()),
    path("ws/sessions/<int:pk>/watch/", WatchConsumer.as_asgi()),
    # Last: every other path closes with 4404 rather than failing the handshake with a 500.
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
