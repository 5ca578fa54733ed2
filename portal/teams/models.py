from django.conf import settings
from django.db import models

from portal.access.querysets import RestrictedQuerySet
from portal.teams.choices import RoleName

__all__ = ["RoleBinding", "Team", "TeamMembership"]


class Team(models.Model):
    """A group of users who share roles on hosts."""

    # Teams, their members and bindings span hosts: only who may act on all hosts sees them.
    policy_host_field = None

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    """One user's membership of one team."""

    policy_host_field = None

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class RoleBinding(models.Model):
    """A team's role on every host (`all_hosts`) or on the hosts listed."""

    policy_host_field = None  # the hosts it lists are what it grants, not where it lives

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="bindings")
    role = models.CharField(max_length=16, choices=RoleName)
    all_hosts = models.BooleanField(default=False)
    hosts = models.ManyToManyField("hosts.Host", blank=True, related_name="role_bindings")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "role"]

    def __str__(self) -> str:
        return f"{self.team}: {self.role} on {'all hosts' if self.all_hosts else 'chosen hosts'}"
