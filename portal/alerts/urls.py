from django.urls import path

from portal.alerts.settings_pages import (
    alert_settings,
    channel_add,
    channel_delete,
    channel_edit,
    rule_add,
    rule_delete,
    rule_edit,
)

urlpatterns = [
    path("alerts/settings/", alert_settings, name="alert-settings"),
    path("alerts/settings/rules/new/", rule_add, name="alert-rule-add"),
    path("alerts/settings/rules/<int:pk>/", rule_edit, name="alert-rule-edit"),
    path("alerts/settings/rules/<int:pk>/remove/", rule_delete, name="alert-rule-delete"),
    path("alerts/settings/channels/new/", channel_add, name="alert-channel-add"),
    path("alerts/settings/channels/<int:pk>/", channel_edit, name="alert-channel-edit"),
    path("alerts/settings/channels/<int:pk>/remove/", channel_delete, name="alert-channel-delete"),
]
