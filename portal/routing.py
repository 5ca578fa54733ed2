from django.urls import path

from portal.containers.sockets import ContainerLogsConsumer, ContainerStatsConsumer
from portal.events.consumers import EventsConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
    path("ws/containers/<int:pk>/logs/", ContainerLogsConsumer.as_asgi()),
    path("ws/containers/<int:pk>/stats/", ContainerStatsConsumer.as_asgi()),
]
