from django.db import models

__all__ = ["ACTIVE_STATES", "OperationKind", "OperationState"]


class OperationState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


ACTIVE_STATES = (OperationState.PENDING, OperationState.RUNNING)


class OperationKind(models.TextChoices):
    CONTAINER_RUN = "container.run", "Run container"
    CONTAINER_START = "container.start", "Start container"
    CONTAINER_STOP = "container.stop", "Stop container"
    CONTAINER_RESTART = "container.restart", "Restart container"
    CONTAINER_KILL = "container.kill", "Kill container"
    CONTAINER_PAUSE = "container.pause", "Pause container"
    CONTAINER_UNPAUSE = "container.unpause", "Unpause container"
    CONTAINER_RENAME = "container.rename", "Rename container"
    CONTAINER_REMOVE = "container.remove", "Remove container"
    CONTAINER_COMMIT = "container.commit", "Commit container"
    IMAGE_PULL = "image.pull", "Pull image"
    IMAGE_BUILD = "image.build", "Build image"
    IMAGE_TAG = "image.tag", "Tag image"
    IMAGE_PUSH = "image.push", "Push image"
    IMAGE_REMOVE = "image.remove", "Remove image"
    IMAGE_PRUNE = "image.prune", "Prune dangling images"
    IMAGE_EXPORT = "image.export", "Export image"
    IMAGE_IMPORT = "image.import", "Import image"
    NETWORK_CREATE = "network.create", "Create network"
    NETWORK_REMOVE = "network.remove", "Remove network"
    NETWORK_PRUNE = "network.prune", "Prune unused networks"
    NETWORK_CONNECT = "network.connect", "Connect container to network"
    NETWORK_DISCONNECT = "network.disconnect", "Disconnect container from network"
    VOLUME_CREATE = "volume.create", "Create volume"
    VOLUME_REMOVE = "volume.remove", "Remove volume"
    VOLUME_PRUNE = "volume.prune", "Prune unused volumes"
    STACK_DEPLOY = "stack.deploy", "Deploy stack"
    STACK_PLAN = "stack.plan", "Plan stack changes"
    STACK_START = "stack.start", "Start stack"
    STACK_STOP = "stack.stop", "Stop stack"
    STACK_RESTART = "stack.restart", "Restart stack"
    STACK_DOWN = "stack.down", "Take stack down"
    STACK_ADOPT = "stack.adopt", "Take over stack"
