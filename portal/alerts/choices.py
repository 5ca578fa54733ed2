from django.db import models

__all__ = ["AlertState", "ChannelKind", "DeliveryKind", "DeliveryState", "EventKind"]


class EventKind(models.TextChoices):
    CONTAINER_EXITED = "container.exited", "Container exited with a non-zero code"
    CONTAINER_OOM = "container.oom", "Container killed by the OOM killer"
    CONTAINER_UNHEALTHY = "container.unhealthy", "Container turned unhealthy"
    CONTAINER_RESTART_LOOP = "container.restart_loop", "Container restarting in a loop"
    CONTAINER_STOPPED = "container.stopped", "Container stopped (it should run)"
    HOST_OFFLINE = "host.offline", "Host offline"
    HOST_ENGINE = "host.engine_unreachable", "Host's engine unreachable"
    HOST_DISK = "host.disk", "Host's disk fuller than the rule's threshold"
    HOST_MEMORY = "host.memory", "Host's memory fuller than the rule's threshold"
    STACK_PARTLY_DOWN = "stack.partly_down", "Stack partly down (some services' containers not running)"
    OPERATION_FAILED = "operation.failed", "Operation failed"
    TERMINAL_SENSITIVE = "terminal.sensitive", "Terminal opened on a sensitive host"


class AlertState(models.TextChoices):
    FIRING = "firing", "Firing"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class ChannelKind(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"
    SLACK = "slack", "Slack"
    DISCORD = "discord", "Discord"
    TEAMS = "teams", "Microsoft Teams"
    NTFY = "ntfy", "ntfy"


class DeliveryKind(models.TextChoices):
    FIRED = "fired", "Fired"
    RESOLVED = "resolved", "Resolved"
    SUMMARY = "summary", "Summary"
    TEST = "test", "Test"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
