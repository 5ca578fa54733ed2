import re

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.access.secrets import MASK, secrets_shown
from portal.operations.choices import OperationState
from portal.stacks.models import Stack, StackVersion, VersionState
from portal.stacks.services import services_of, state_of

__all__ = ["StackSerializer", "StackVersionSerializer", "masked_compose", "masked_env"]

ENVIRONMENT_RE = re.compile(r"^(\s*)environment:\s*(.*)$")
LIST_ENTRY_RE = re.compile(r"^(\s*-\s*[\"']?[^=\s\"']+=)(.*)$")
MAP_ENTRY_RE = re.compile(r"^(\s*[\"']?[^:#\s\"']+[\"']?:)\s*(\S.*)$")


def masked_env(env: str, shown: bool) -> str:
    """An .env as its viewer may read it: below developer, each value masked, names kept."""
    if shown:
        return env
    lines = []
    for line in env.splitlines():
        name, sep, _ = line.partition("=")
        lines.append(f"{name}={MASK}" if sep and not line.lstrip().startswith("#") else line)
    return "\n".join(lines)


def masked_compose(text: str, shown: bool) -> str:
    """A compose file as its viewer may read it: below developer, the values of every service's
    `environment:` masked (names kept), as the .env's are."""
    if shown:
        return text
    lines, block = [], None  # block: the indent of the `environment:` being read
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        if block is not None and line.strip() and indent <= block:
            block = None
        if match := ENVIRONMENT_RE.match(line):
            rest = match.group(2).strip()
            if rest and not rest.startswith("#"):
                line = f"{match.group(1)}environment: {MASK}"  # inline {A: b} or [A=b]
            else:
                block = len(match.group(1))
        elif block is not None and line.strip():
            entry = LIST_ENTRY_RE.match(line) or MAP_ENTRY_RE.match(line)
            line = f"{entry.group(1)}{'' if entry.re is LIST_ENTRY_RE else ' '}{MASK}" if entry else line
        lines.append(line)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


class ContainerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.CharField()
    health = serializers.CharField(allow_blank=True)
    engine_id = serializers.CharField()


class ServiceSerializer(serializers.Serializer):
    name = serializers.CharField()
    image = serializers.CharField(allow_blank=True)
    state = serializers.CharField(help_text="running, partly, stopped, or down (no containers).")
    containers = ContainerEntrySerializer(many=True)


class GitSourceShownSerializer(serializers.Serializer):
    """Where a git stack comes from, as anyone who sees it may read: never its credentials or its
    webhook's secret (`has_credentials` says whether there are any)."""

    url = serializers.CharField()
    ref = serializers.CharField()
    path = serializers.CharField()
    username = serializers.CharField()
    has_credentials = serializers.SerializerMethodField()
    poll_interval = serializers.IntegerField()
    webhook_url = serializers.SerializerMethodField()
    last_commit = serializers.CharField(help_text="The commit last fetched (deployed or tried).")
    last_checked_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()

    def get_has_credentials(self, source) -> bool:
        return bool(source.secret_sealed)

    def get_webhook_url(self, source) -> str:
        path = reverse("v1:stack-webhook", args=[source.stack_id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class StackVersionSerializer(serializers.ModelSerializer):
    """One deploy: the file and its .env (values masked below developer), who, when, its state
    (pending while deploying, deployed, failed) and its operation."""

    compose = serializers.SerializerMethodField()
    env = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = StackVersion
        fields = ["number", "state", "compose", "env", "note", "commit", "operation", "username", "created_at"]
        read_only_fields = fields

    def get_compose(self, version: StackVersion) -> str:
        return masked_compose(version.compose, secrets_shown(self.context, version.stack.host_id))

    def get_env(self, version: StackVersion) -> str:
        return masked_env(version.env, secrets_shown(self.context, version.stack.host_id))

    def get_state(self, version: StackVersion) -> str:
        # An operation the portal gave up on (host lost) never reported: its version failed.
        pending = version.state == VersionState.PENDING and version.operation_id
        if pending and version.operation.state == OperationState.FAILED:
            return VersionState.FAILED
        return version.state


class StackSerializer(serializers.ModelSerializer):
    """A compose project on a host. `source`: berth (written here or taken over), git, or external
    (found running, not yet taken over). `state` and `services` are read from the mirrored
    containers; `version` is the number of the deployed version (null when none)."""

    host_name = serializers.CharField(source="host.name", read_only=True)
    managed = serializers.BooleanField(read_only=True)
    state = serializers.SerializerMethodField()
    services = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()
    commit = serializers.SerializerMethodField(help_text="The git commit of the deployed version (git stacks).")
    git = serializers.SerializerMethodField()

    class Meta:
        model = Stack
        fields = [
            "id",
            "host",
            "host_name",
            "name",
            "source",
            "managed",
            "state",
            "services",
            "version",
            "commit",
            "git",
            "config_files",
            "working_dir",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _containers(self, stack: Stack) -> list:
        return (self.context.get("stack_containers") or {}).get((stack.host_id, stack.name), [])

    def _deployed(self, stack: Stack) -> StackVersion | None:
        deployed = self.context.get("deployed_versions")
        if deployed is not None:
            return deployed.get(stack.pk)
        return stack.deployed_version()

    def get_state(self, stack: Stack) -> str:
        return state_of(self._containers(stack))

    @extend_schema_field(ServiceSerializer(many=True))
    def get_services(self, stack: Stack) -> list[dict]:
        version = self._deployed(stack)
        return services_of(self._containers(stack), version.config if version else None)

    def get_version(self, stack: Stack) -> int | None:
        version = self._deployed(stack)
        return version.number if version else None

    def get_commit(self, stack: Stack) -> str:
        version = self._deployed(stack)
        return version.commit if version else ""

    @extend_schema_field(GitSourceShownSerializer(allow_null=True))
    def get_git(self, stack: Stack) -> dict | None:
        source = getattr(stack, "git", None) if stack.source == "git" else None
        return GitSourceShownSerializer(source, context=self.context).data if source is not None else None


class StackDetailSerializer(StackSerializer):
    """A stack with its deployed (or else latest) file and .env."""

    compose = serializers.SerializerMethodField()
    env = serializers.SerializerMethodField()

    class Meta(StackSerializer.Meta):
        fields = [*StackSerializer.Meta.fields, "compose", "env"]
        read_only_fields = fields

    def _shown_version(self, stack: Stack) -> StackVersion | None:
        return self._deployed(stack) or stack.versions.order_by("-number").first()

    def get_compose(self, stack: Stack) -> str:
        version = self._shown_version(stack)
        return masked_compose(version.compose, secrets_shown(self.context, stack.host_id)) if version else ""

    def get_env(self, stack: Stack) -> str:
        version = self._shown_version(stack)
        return masked_env(version.env, secrets_shown(self.context, stack.host_id)) if version else ""
