"""A container's lifecycle as actions of the containers API: start, stop, restart, kill, pause,
unpause, rename (PATCH) and remove (DELETE). Each refuses a container in the wrong state (409)."""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from portal.api.query_params import bool_param
from portal.api.validation import validated
from portal.containers.api.actions import ContainerActions
from portal.containers.checks import name_taken
from portal.containers.choices import LIVE_STATES
from portal.containers.run_spec import CONTAINER_NAME_RE
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.refusals import Conflict

__all__ = ["LifecycleActions"]

SIGNAL_RE = re.compile(r"(?:SIG)?[A-Z][A-Z0-9+-]*|\d{1,2}")
# action -> (states it needs, sentence when the container is in another)
NEEDS = {
    "start": (("created", "exited", "dead"), "Container {name} is {state}: there is nothing to start."),
    "stop": (LIVE_STATES, "Container {name} is not running (it is {state})."),
    "kill": (LIVE_STATES, "Container {name} is not running (it is {state})."),
    "pause": (("running",), "Container {name} is not running (it is {state}): only a running one can pause."),
    "unpause": (("paused",), "Container {name} is not paused (it is {state})."),
}


class TimeoutSerializer(serializers.Serializer):
    timeout = serializers.IntegerField(
        required=False, min_value=0, max_value=300, help_text="Seconds (default 10, at most 300)."
    )


class SignalSerializer(serializers.Serializer):
    signal = serializers.CharField(required=False, default="SIGKILL", help_text="e.g. SIGTERM, HUP or 9.")

    def validate_signal(self, value):
        value = value.strip().upper()
        if not SIGNAL_RE.fullmatch(value):
            raise serializers.ValidationError(f"'{value}' is not a signal: write a name like SIGTERM or a number.")
        return value


class RenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)

    def validate_name(self, value):
        value = value.strip().lstrip("/")
        if not CONTAINER_NAME_RE.fullmatch(value):
            raise serializers.ValidationError(
                f"'{value}' is not a container name: use letters, digits, _ . and -, starting with a letter or digit."
            )
        return value


class LifecycleActions(ContainerActions):
    """Every answer that starts work is 202 with the operation."""

    policy_actions = {
        "partial_update": "container.manage",
        "destroy": "container.manage",
        "start": "container.operate",
        "stop": "container.operate",
        "restart": "container.operate",
        "kill": "container.operate",
        "pause": "container.operate",
        "unpause": "container.operate",
    }

    def _lifecycle(self, kind: str, options: dict | None = None):
        container = self.live_container()
        if kind in NEEDS:
            states, sentence = NEEDS[kind]
            if container.state not in states:
                raise Conflict(sentence.format(name=container.name, state=container.state), "not_running")
        return accepted(self.container_operation(kind, container, **(options or {})))

    def _with_options(self, kind: str, serializer_class):
        return self._lifecycle(kind, validated(serializer_class, self.request.data))

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._lifecycle("start")

    @extend_schema(request=TimeoutSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        """Stop: SIGTERM, then SIGKILL after `timeout` seconds."""
        return self._with_options("stop", TimeoutSerializer)

    @extend_schema(request=TimeoutSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def restart(self, request, pk=None):
        return self._with_options("restart", TimeoutSerializer)

    @extend_schema(request=SignalSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def kill(self, request, pk=None):
        return self._with_options("kill", SignalSerializer)

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._lifecycle("pause")

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def unpause(self, request, pk=None):
        return self._lifecycle("unpause")

    @extend_schema(request=RenameSerializer, responses={202: OperationSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Rename: `{"name": …}`."""
        container = self.live_container()
        name = validated(RenameSerializer, request.data)["name"]
        name_taken(container.host_id, name, but=container)
        return accepted(self.container_operation("rename", container, name=name))

    @extend_schema(
        parameters=[
            OpenApiParameter("force", bool, description="Remove even if running (it is killed)."),
            OpenApiParameter("volumes", bool, description="Remove its anonymous volumes too."),
        ],
        responses={202: OperationSerializer},
    )
    def destroy(self, request, *args, **kwargs):
        container = self.live_container()
        force, volumes = bool(bool_param(request, "force")), bool(bool_param(request, "volumes"))
        if container.state in LIVE_STATES and not force:
            raise Conflict(
                f"Container {container.name} is {container.state}: stop it first, or remove it with force.", "running"
            )
        return accepted(self.container_operation("remove", container, force=force, volumes=volumes))
