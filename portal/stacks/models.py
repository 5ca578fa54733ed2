"""Stacks: compose projects on a host, and the versions Berth deployed of each."""

from django.conf import settings
from django.db import models

from portal.access.querysets import RestrictedQuerySet
from portal.registries.encryption import SecretUnreadable, open_secret, seal

__all__ = ["GitSource", "Stack", "StackSource", "StackVersion", "VersionState"]


class StackSource(models.TextChoices):
    BERTH = "berth", "written in Berth"
    GIT = "git", "from a git repository"
    EXTERNAL = "external", "found running on the host"


class VersionState(models.TextChoices):
    PENDING = "pending", "deploying"
    DEPLOYED = "deployed", "deployed"
    FAILED = "failed", "failed"


class Stack(models.Model):
    """A compose project on one host. One written in Berth (or taken over) has versions; one
    started with the CLI (`external`) is known by its containers' `com.docker.compose.*` labels,
    which also say where its files are (`config_files`, `working_dir`), until an admin adopts it.
    Its services and state are read from the mirrored containers (portal/stacks/services.py)."""

    policy_host_field = "host"

    host = models.ForeignKey("hosts.Host", on_delete=models.CASCADE, related_name="stacks")
    name = models.CharField(max_length=255)
    source = models.CharField(max_length=16, choices=StackSource, default=StackSource.BERTH)
    config_files = models.JSONField(default=list, blank=True)
    working_dir = models.CharField(max_length=1024, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "host_id", "id"]
        constraints = [models.UniqueConstraint(fields=["host", "name"], name="stack_unique_per_host")]

    def __str__(self) -> str:
        return self.name

    @property
    def managed(self) -> bool:
        return self.source != StackSource.EXTERNAL

    def deployed_version(self) -> "StackVersion | None":
        return self.versions.filter(state=VersionState.DEPLOYED).order_by("-number").first()

    def next_number(self) -> int:
        last = self.versions.order_by("-number").values_list("number", flat=True).first()
        return (last or 0) + 1


class StackVersion(models.Model):
    """What one deploy used: the compose file, its .env (sealed like a registry password), who
    and when, the operation that deployed it and, once it ran, compose's normalized form of it."""

    policy_host_field = "stack__host"

    stack = models.ForeignKey(Stack, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    compose = models.TextField()
    env_sealed = models.TextField(blank=True)
    config = models.JSONField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=VersionState, default=VersionState.PENDING)
    note = models.CharField(max_length=255, blank=True)
    commit = models.CharField(max_length=64, blank=True)
    operation = models.ForeignKey("operations.Operation", null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["stack_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["stack", "number"], name="stack_version_unique")]

    def __str__(self) -> str:
        return f"{self.stack.name} v{self.number}"

    @property
    def env(self) -> str:
        return open_secret(self.env_sealed) if self.env_sealed else ""

    @env.setter
    def env(self, plain: str) -> None:
        self.env_sealed = seal(plain) if plain else ""


class GitSource(models.Model):
    """Where a git stack's files come from: a repository (`url`), a branch or tag (`ref`), the
    compose file's path in it (the .env beside it is read too), and what to sign in with (a
    username and a password or token, the secret sealed like a registry password). Its webhook
    secret is sealed too (a signature is checked with it, so it cannot be a hash), shown once.
    `owner` is who set it up: webhooks and polls act for them (portal/access/principals.py), so
    a webhook can do no more than its owner still may. `poll_interval` seconds (0: no polling)."""

    policy_host_field = "stack__host"

    stack = models.OneToOneField(Stack, on_delete=models.CASCADE, related_name="git")
    url = models.CharField(max_length=1024)
    ref = models.CharField(max_length=255)
    path = models.CharField(max_length=1024)
    username = models.CharField(max_length=255, blank=True)
    secret_sealed = models.TextField(blank=True)
    webhook_secret_sealed = models.TextField(blank=True)
    poll_interval = models.PositiveIntegerField(default=0)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_commit = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["stack_id"]

    def __str__(self) -> str:
        return f"{self.stack.name} from {self.url}@{self.ref}"

    def _opened(self, sealed: str, what: str, fix: str) -> str:
        try:
            return open_secret(sealed) if sealed else ""
        except SecretUnreadable:
            raise SecretUnreadable(
                f"The {what} of stack {self.stack.name} cannot be decrypted with the keys in BERTH_SECRET_KEYS "
                f"(was a key removed before rotating?): {fix}."
            ) from None

    @property
    def secret(self) -> str:
        return self._opened(self.secret_sealed, "saved git credentials", "save them again")

    @secret.setter
    def secret(self, plain: str) -> None:
        self.secret_sealed = seal(plain) if plain else ""

    @property
    def webhook_secret(self) -> str:
        return self._opened(self.webhook_secret_sealed, "webhook secret", "give the webhook a new secret")

    @webhook_secret.setter
    def webhook_secret(self, plain: str) -> None:
        self.webhook_secret_sealed = seal(plain) if plain else ""
