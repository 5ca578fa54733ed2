from django.urls import path

from portal.events.consumers import EventsConsumer
from portal.operations.consumers import OperationConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
    path("ws/operations/<int:pk>/", OperationConsumer.as_asgi()),
]
