from django.urls import path

from portal.containers.sockets import ContainerLogsConsumer, ContainerStatsConsumer
from portal.events.consumers import EventsConsumer
from portal.operations.consumers import OperationConsumer
from portal.terminals.consumers import AttachConsumer, TerminalConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
    path("ws/operations/<int:pk>/", OperationConsumer.as_asgi()),
    path("ws/containers/<int:pk>/logs/", ContainerLogsConsumer.as_asgi()),
    path("ws/containers/<int:pk>/stats/", ContainerStatsConsumer.as_asgi()),
    path("ws/containers/<int:pk>/terminal/", TerminalConsumer.as_asgi()),
    path("ws/containers/<int:pk>/attach/", AttachConsumer.as_asgi()),
]
