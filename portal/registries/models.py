from urllib.parse import urlsplit

from django.db import models

from portal.access.querysets import RestrictedQuerySet
from portal.registries.client import DOCKER_HUB_HOSTS
from portal.registries.encryption import open_secret, seal

__all__ = ["Registry"]

# What the Docker engine calls Docker Hub in an auth config.
DOCKER_HUB_SERVER = "https://index.docker.io/v1/"


class Registry(models.Model):
    """A registry images are pulled from and pushed to: Docker Hub (built in, public) or a private
    one owned by a team. The password (or token) is stored encrypted and never leaves Berth except
    inside the one pull or push that needs it, and goes to the registry's own host or to the token
    service pinned in `token_realm`."""

    # Visibility by team ownership (portal/access/team_owned.py): built-in registries are public.
    policy_host_field = None
    policy_team_field = "team"
    policy_public_field = "builtin"

    name = models.CharField(max_length=100, unique=True)
    url = models.CharField(max_length=255)
    username = models.CharField(max_length=255, blank=True)
    password_sealed = models.TextField(blank=True)
    verify_tls = models.BooleanField(default=True)
    # The token service on another host that receives the credentials, pinned when the registry
    # was saved with its connection check (a registry naming another one later is refused).
    token_realm = models.CharField(max_length=500, blank=True)
    team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="registries")
    builtin = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-builtin", "name"]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:  # never the password
        return f"<Registry {self.pk} {self.name!r} {self.url!r}>"

    # --- the secret -----------------------------------------------------------------------------

    def set_password(self, plain: str) -> None:
        self.password_sealed = seal(plain)

    def password(self) -> str:
        """The decrypted password (raises SecretUnreadable when no configured key opens it)."""
        return open_secret(self.password_sealed)

    @property
    def has_password(self) -> bool:
        return bool(self.password_sealed)

    # --- names ----------------------------------------------------------------------------------

    @property
    def host_and_port(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def is_docker_hub(self) -> bool:
        return (urlsplit(self.url).hostname or "") in DOCKER_HUB_HOSTS

    @property
    def server_address(self) -> str:
        """The registry as the Docker engine names it in an auth config."""
        return DOCKER_HUB_SERVER if self.is_docker_hub else self.host_and_port

    def image_reference(self, repository: str, tag: str) -> str:
        """What `docker pull` takes for `repository:tag` in this registry."""
        if self.is_docker_hub:
            return f"{repository.removeprefix('library/')}:{tag}"
        return f"{self.host_and_port}/{repository}:{tag}"
