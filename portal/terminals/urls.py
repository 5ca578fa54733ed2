from django.urls import path

from portal.terminals import views

urlpatterns = [
    path("console/", views.console, name="console"),
    path("sessions/", views.session_list, name="session-list"),
    path("sessions/<int:pk>/", views.session_detail, name="session-detail"),
    path("sessions/<int:pk>/recording.cast", views.session_recording, name="session-recording"),
    path("sessions/<int:pk>/watch/", views.session_watch, name="session-watch"),
]
