"""Registry passwords and tokens, encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

Keys come from BERTH_SECRET_KEYS (comma-separated): the first encrypts, every one decrypts, so a
key is rotated by putting a new one first, running `manage.py rotate_registry_secrets`, then
dropping the old one. Each entry is a Fernet key (`Fernet.generate_key()`) or any passphrase, from
which a key is derived. Unset, the one key is derived from Django's SECRET_KEY.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from portal.refusals import Conflict

__all__ = ["SecretUnreadable", "open_secret", "reseal", "seal"]


class SecretUnreadable(Conflict):
    """A stored secret that none of the configured keys decrypts."""

    code = "secret_unreadable"


def _fernet_key(entry: str) -> bytes:
    try:
        if len(base64.urlsafe_b64decode(entry.encode())) == 32:
            return entry.encode()
    except (binascii.Error, ValueError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(b"berth-registry-secrets\0" + entry.encode()).digest())


def _box() -> MultiFernet:
    entries = list(getattr(settings, "BERTH_SECRET_KEYS", None) or []) or [settings.SECRET_KEY]
    return MultiFernet([Fernet(_fernet_key(entry)) for entry in entries])


def seal(plain: str) -> str:
    """The secret encrypted with the current key; empty stays empty."""
    return _box().encrypt(plain.encode()).decode() if plain else ""


def open_secret(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _box().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "The saved password of this registry cannot be decrypted with the keys in BERTH_SECRET_KEYS "
            "(was a key removed before rotating?). Save the password again."
        ) from None


def reseal(sealed: str) -> str:
    """The secret re-encrypted with the current key (for rotation)."""
    if not sealed:
        return ""
    try:
        return _box().rotate(sealed.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("A saved registry password is not readable with any key in BERTH_SECRET_KEYS.") from None
