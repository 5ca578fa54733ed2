"""Operations on containers, as actions of the containers API: run (POST), start, stop, restart,
kill, pause, unpause, rename (PATCH), remove (DELETE), commit; and the read-write layer's
changes (GET diff, answered by the host worker over the channel layer)."""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from engine.reference import TAG_RE, InvalidReference, validate_reference
from portal.access.dangerous import refuse_dangerous_options
from portal.api.query_params import bool_param
from portal.containers.diff import request_changes
from portal.containers.models import Container
from portal.containers.run_spec import CONTAINER_NAME_RE, RunContainerSerializer
from portal.operations.api.refusals import host_for
from portal.operations.api.serializers import OperationSerializer
from portal.operations.dispatch import submit
from portal.refusals import Conflict
from portal.registries.credentials import registry_auth

__all__ = ["ContainerOperationsMixin"]

SIGNAL_RE = re.compile(r"(?:SIG)?[A-Z][A-Z0-9+-]*|\d{1,2}")
LIVE_STATES = ("running", "paused", "restarting")
# action -> (states it needs, sentence when the container is in another)
NEEDS = {
    "start": (("created", "exited", "dead"), "Container {name} is {state}: there is nothing to start."),
    "stop": (LIVE_STATES, "Container {name} is not running (it is {state})."),
    "kill": (LIVE_STATES, "Container {name} is not running (it is {state})."),
    "pause": (("running",), "Container {name} is not running (it is {state}): only a running one can pause."),
    "unpause": (("paused",), "Container {name} is not paused (it is {state})."),
}


class TimeoutSerializer(serializers.Serializer):
    timeout = serializers.IntegerField(required=False, min_value=0, max_value=3600, help_text="Seconds (default 10).")


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


class CommitSerializer(serializers.Serializer):
    repository = serializers.CharField(max_length=255, required=False, allow_blank=True)
    tag = serializers.CharField(max_length=128, required=False, allow_blank=True)
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    author = serializers.CharField(max_length=255, required=False, allow_blank=True)

    def validate(self, attrs):
        repository, tag = attrs.get("repository", "").strip(), attrs.get("tag", "").strip()
        if tag and not repository:
            raise serializers.ValidationError({"tag": "A tag needs a repository to go with."})
        if tag and not TAG_RE.fullmatch(tag):
            raise serializers.ValidationError({"tag": f"'{tag}' is not a tag: letters, digits, _ . -, up to 128."})
        if repository:
            try:
                validate_reference(f"{repository}:{tag or 'latest'}")
            except InvalidReference as exc:
                raise serializers.ValidationError({"repository": str(exc)}) from None
        return {**attrs, "repository": repository, "tag": tag}


def name_taken(host_id: int, name: str, but: Container | None = None) -> None:
    others = Container.objects.live().filter(host_id=host_id, name=name)
    if but is not None:
        others = others.exclude(pk=but.pk)
    if others.exists():
        raise Conflict(
            f"The name {name} is already in use by another container on this host: choose another name.", "name_in_use"
        )


def ports_taken(host_id: int, ports: list[dict]) -> None:
    wanted = {(p["host_port"], p["protocol"]) for p in ports if p.get("host_port")}
    if not wanted:
        return
    for container in Container.objects.live().filter(host_id=host_id, state__in=LIVE_STATES).only("name", "ports"):
        for port in container.ports or []:
            if (port.get("public_port"), port.get("type", "tcp")) in wanted:
                raise Conflict(
                    f"Port {port['public_port']}/{port.get('type', 'tcp')} is already allocated on this host "
                    f"(by container {container.name}): choose another host port.",
                    "port_allocated",
                )


class ContainerOperationsMixin:
    """Mixed into ContainerViewSet. Every answer that starts work is 202 with the operation."""

    operation_policy_actions = {
        "create": "container.manage",
        "partial_update": "container.manage",
        "destroy": "container.manage",
        "commit": "container.manage",
        "start": "container.operate",
        "stop": "container.operate",
        "restart": "container.operate",
        "kill": "container.operate",
        "pause": "container.operate",
        "unpause": "container.operate",
        "diff": "container.view",
    }

    def _accepted(self, operation) -> Response:
        return Response(OperationSerializer(operation).data, status=status.HTTP_202_ACCEPTED)

    def _live_container(self) -> Container:
        container = self.get_object()
        if container.is_removed:
            raise Conflict(f"Container {container.name} was removed.", "removed")
        return container

    def _container_operation(self, kind: str, container: Container, **options):
        params = {"container_id": container.engine_id, "subject": container.name, **options}
        shown = {"name": container.name, **options}
        return submit(self.request, container.host, f"container.{kind}", shown, target=container, task_params=params)

    def _lifecycle(self, kind: str, options: dict | None = None) -> Response:
        container = self._live_container()
        if kind in NEEDS:
            states, sentence = NEEDS[kind]
            if container.state not in states:
                raise Conflict(sentence.format(name=container.name, state=container.state), "not_running")
        return self._accepted(self._container_operation(kind, container, **(options or {})))

    @extend_schema(request=RunContainerSerializer, responses={202: OperationSerializer})
    def create(self, request, *args, **kwargs):
        """Run a container (`docker run -d`): pulled first when the image is not on the host."""
        serializer = RunContainerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        host = host_for(request, self, serializer.validated_data["host"], "container.manage")
        spec = serializer.spec()
        refuse_dangerous_options(request, host.pk, spec)
        if spec.get("name"):
            name_taken(host.pk, spec["name"])
        ports_taken(host.pk, spec.get("ports") or [])
        auth = registry_auth(request.user, serializer.validated_data.get("registry"), spec["image"])
        operation = submit(
            request,
            host,
            "container.run",
            {"spec": spec},
            target_type="container",
            target_repr=spec.get("name") or spec["image"],
            auth_config=auth,
        )
        return self._accepted(operation)

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._lifecycle("start")

    @extend_schema(request=TimeoutSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        """Stop: SIGTERM, then SIGKILL after `timeout` seconds."""
        options = TimeoutSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        return self._lifecycle("stop", options.validated_data)

    @extend_schema(request=TimeoutSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def restart(self, request, pk=None):
        options = TimeoutSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        return self._lifecycle("restart", options.validated_data)

    @extend_schema(request=SignalSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def kill(self, request, pk=None):
        options = SignalSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        return self._lifecycle("kill", options.validated_data)

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
        container = self._live_container()
        serializer = RenameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name = serializer.validated_data["name"]
        name_taken(container.host_id, name, but=container)
        return self._accepted(self._container_operation("rename", container, name=name))

    @extend_schema(
        parameters=[
            OpenApiParameter("force", bool, description="Remove even if running (it is killed)."),
            OpenApiParameter("volumes", bool, description="Remove its anonymous volumes too."),
        ],
        responses={202: OperationSerializer},
    )
    def destroy(self, request, *args, **kwargs):
        container = self._live_container()
        force, volumes = bool(bool_param(request, "force")), bool(bool_param(request, "volumes"))
        if container.state in LIVE_STATES and not force:
            raise Conflict(
                f"Container {container.name} is {container.state}: stop it first, or remove it with force.", "running"
            )
        return self._accepted(self._container_operation("remove", container, force=force, volumes=volumes))

    @extend_schema(request=CommitSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        """A new image from the container's current filesystem (repository, tag, message, author)."""
        container = self._live_container()
        serializer = CommitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._accepted(self._container_operation("commit", container, **serializer.validated_data))

    @extend_schema(responses={200: dict})
    @action(detail=True, pagination_class=None)
    def diff(self, request, pk=None):
        """The files the container's read-write layer added, changed and deleted (`docker diff`):
        `{"changes": [{"path", "kind": added|changed|deleted}]}`, asked of the host's worker."""
        container = self._live_container()
        return Response({"changes": request_changes(container)})
