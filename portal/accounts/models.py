import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import models as auth_models
from django.db import models
from django.utils import timezone

from portal.access.querysets import RestrictedQuerySet

__all__ = ["PersonalToken", "User", "default_expiry"]

TOKEN_PREFIX = "berth_"  # noqa: S105 (a public prefix)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class User(auth_models.User):
    """Django's user, as the policy sees it: a proxy (no table of its own) whose manager has
    `restrict`. Accounts span hosts, so only who may act on all hosts sees them. Named as the
    model it stands for, so audit events and operations still call its rows "user"."""

    policy_host_field = None

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        proxy = True


def default_expiry():
    """When a token made without an expiry expires: BERTH_TOKEN_DAYS from now (0: never)."""
    days = settings.BERTH_TOKEN_DAYS
    return timezone.now() + timedelta(days=days) if days > 0 else None


class PersonalTokenQuerySet(RestrictedQuerySet):
    def for_key(self, key: str):
        """The token with this key and an active user, expired or not, or None. (Requests use
        portal.accounts.token_lookup, this query compiled once.)"""
        return self.for_key_hash(hash_key(key)).first()

    def for_key_hash(self, key_hash: str):
        return self.select_related("user").filter(key_hash=key_hash, user__is_active=True).order_by("pk")[:1]


class PersonalToken(models.Model):
    """A user's named API token. Only a hash is stored; the key is shown once, when made.

    A token acts with its user's current roles, so changing the user's teams changes
    what the token may do at once.
    """

    # A user's own tokens, and no one else's (another's token is a 404, never a 403).
    policy_host_field = None
    policy_owner_field = "user"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonalTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @classmethod
    def issue(cls, user, name: str, expires_at=None) -> tuple["PersonalToken", str]:
        """Make a token; returns it with its key, which is never available again. Without an
        expiry, it expires after the default lifetime (default_expiry)."""
        key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            key_prefix=key[: len(TOKEN_PREFIX) + 6],
            key_hash=hash_key(key),
            expires_at=expires_at or default_expiry(),
        )
        return token, key
