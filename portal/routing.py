from django.urls import path

from portal.events.consumers import EventsConsumer
from portal.terminals.consumers import AttachConsumer, TerminalConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
    path("ws/containers/<int:pk>/terminal/", TerminalConsumer.as_asgi()),
    path("ws/containers/<int:pk>/attach/", AttachConsumer.as_asgi()),
]
