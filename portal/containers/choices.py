from django.db import models

__all__ = ["LIVE_STATES", "ContainerState"]


class ContainerState(models.TextChoices):
    """The states an engine reports. A state not listed here is stored as the engine wrote it."""

    CREATED = "created", "Created"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    RESTARTING = "restarting", "Restarting"
    REMOVING = "removing", "Removing"
    EXITED = "exited", "Exited"
    DEAD = "dead", "Dead"


# The states in which a container holds its ports and must be stopped before it is removed.
LIVE_STATES = (ContainerState.RUNNING, ContainerState.PAUSED, ContainerState.RESTARTING)
