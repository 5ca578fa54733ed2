from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "portal.alerts"
    verbose_name = "Alerts"

    def ready(self):
        # The one event path: every event the portal publishes is also judged by the alert rules.
        from portal.alerts.detect import on_event
        from portal.events.publish import listen

        listen(on_event)
