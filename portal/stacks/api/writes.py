"""`POST /api/v1/stacks/` (write and deploy), `PATCH /api/v1/stacks/{id}/` (redeploy with a changed
file or env), `…/redeploy/`, `…/pull/` (pull images, then redeploy), `…/versions/{n}/rollback/`
(deploy an earlier version's file and env) and `…/plan/` (what a deploy would change)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from portal.access.policy import DANGER_ACTION, can
from portal.api.validation import validated
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.refusals import Conflict, NotFound
from portal.stacks.api.git import (
    ChangeGitSourceSerializer,
    GitSourceSerializer,
    change_git_source,
    create_git_stack,
    rotate_webhook,
)
from portal.stacks.checks import COMPOSE_LIMIT, env_checked, parsed_compose, project_name_checked
from portal.stacks.deploy import deploy, deployed_config, stack_operation
from portal.stacks.models import Stack, StackSource
from wire.stacks import StackTask

__all__ = ["StackWrites"]


class CreateStackSerializer(serializers.Serializer):
    """A stack written here (`compose`, `env`) or from a repository (`git`): one of the two."""

    host = serializers.IntegerField()
    name = serializers.CharField(max_length=255)
    compose = serializers.CharField(required=False, max_length=COMPOSE_LIMIT, trim_whitespace=False)
    env = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    git = GitSourceSerializer(required=False)

    def validate(self, attrs):
        if ("compose" in attrs) == ("git" in attrs):
            raise serializers.ValidationError("Give either compose (a file written here) or git (a repository).")
        return attrs


class ChangeStackSerializer(serializers.Serializer):
    compose = serializers.CharField(required=False, max_length=COMPOSE_LIMIT, trim_whitespace=False)
    env = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    git = ChangeGitSourceSerializer(required=False)


class StackWrites:
    """Base of StackViewSet: the deploying actions."""

    policy_actions = {
        "create": "stack.deploy",
        "partial_update": "stack.deploy",
        "redeploy": "stack.deploy",
        "pull": "stack.deploy",
        "rollback": "stack.deploy",
        "plan": "stack.deploy",
        "rotate_webhook": "stack.deploy",
    }

    def managed_stack(self) -> Stack:
        stack = self.get_object()
        if not stack.managed:
            raise Conflict(
                f"Stack {stack.name} was started outside Berth: an admin must take it over first.", "not_managed"
            )
        return stack

    def _current(self, stack: Stack):
        version = stack.deployed_version() or stack.versions.order_by("-number").first()
        if version is None:
            raise Conflict(f"Stack {stack.name} has no version to deploy yet.", "no_version")
        return version

    @extend_schema(request=CreateStackSerializer, responses={202: OperationSerializer})
    def create(self, request, *args, **kwargs):
        """Write a stack and deploy it (`docker compose up -d`) on a host."""
        data = validated(CreateStackSerializer, request.data)
        host = self.policy_host  # the host in the body, where PolicyPermission allowed it
        name = project_name_checked(data["name"])
        if Stack.objects.filter(host=host, name=name).exists():
            raise Conflict(
                f"A stack named {name} already exists on host {host.name}: choose another name.", "name_in_use"
            )
        user = request.user if request.user.is_authenticated else None
        if "git" in data:
            return create_git_stack(request, Stack(host=host, name=name, source=StackSource.GIT, created_by=user), data)
        stack = Stack(host=host, name=name, source=StackSource.BERTH, created_by=user)
        return accepted(deploy(request, stack, data["compose"], data["env"], note="written in Berth"))

    @extend_schema(request=ChangeStackSerializer, responses={202: OperationSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Change the file and/or the .env and redeploy: only the services that changed are recreated."""
        stack = self.managed_stack()
        data = validated(ChangeStackSerializer, request.data)
        if stack.source == StackSource.GIT or "git" in data:
            return change_git_source(request, stack, data)
        current = stack.versions.order_by("-number").first()
        compose = data.get("compose", current.compose if current else "")
        env = data.get("env", current.env if current else "")
        return accepted(deploy(request, stack, compose, env, note="edited"))

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def redeploy(self, request, pk=None):
        """Deploy the current version again (containers that drifted are put back)."""
        stack = self.managed_stack()
        version = self._current(stack)
        note = f"redeploy of v{version.number}"
        return accepted(deploy(request, stack, version.compose, version.env, note=note, commit=version.commit))

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def pull(self, request, pk=None):
        """Pull the services' images again, then redeploy: services whose image changed are recreated."""
        stack = self.managed_stack()
        version = self._current(stack)
        note = f"pull and redeploy of v{version.number}"
        return accepted(
            deploy(request, stack, version.compose, version.env, note=note, pull=True, commit=version.commit)
        )

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"], url_path=r"versions/(?P<number>[0-9]{1,9})/rollback")
    def rollback(self, request, pk=None, number=None):
        """Deploy version `number`'s file and .env again, as a new version."""
        stack = self.managed_stack()
        version = stack.versions.filter(number=int(number)).first()
        if version is None:
            raise NotFound(f"Stack {stack.name} has no version {number}.")
        note = f"rollback to v{version.number}"
        return accepted(deploy(request, stack, version.compose, version.env, note=note, commit=version.commit))

    @extend_schema(request=ChangeStackSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        """What deploying this file and .env (default: the current ones) would change: the normalized
        file's diff against the deployed one, the services created, recreated and removed, and the
        dangerous options it has. The answer is an operation; its result holds the plan."""
        stack = self.get_object()
        data = validated(ChangeStackSerializer, request.data)
        current = stack.versions.order_by("-number").first()
        compose = data.get("compose", current.compose if current else "")
        env = data.get("env", current.env if current else "")
        parsed_compose(compose)
        task = StackTask(
            project=stack.name,
            compose=compose,
            env=env_checked(env),
            deployed=deployed_config(stack),
            dangerous_allowed=can(request, DANGER_ACTION, stack.host_id),
        )
        return accepted(stack_operation(request, stack, "stack.plan", {}, task))

    @extend_schema(request=None, responses={200: None})
    @action(detail=True, methods=["post"], url_path="webhook/rotate")
    def rotate_webhook(self, request, pk=None):
        """A new secret for the git stack's webhook (the old one stops working), shown this once;
        the webhook acts for whoever rotated it from now on."""
        return rotate_webhook(request, self.managed_stack())
