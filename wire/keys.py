"""The keys that say who speaks on the broker, as text that fits an environment variable.

- PortalKey: the portal's Ed25519 key. It signs every task the portal puts on a host's queue;
  hosts hold only its public half (BERTH_PORTAL_PUBLIC_KEY) to check them.
- HostKeys: one host's two keys, handed to it once at enrollment (BERTH_HOST_KEY): an Ed25519
  key that signs its reports and stream messages, and an X25519 key that opens what the portal
  seals to it (wire.sealing). The portal keeps only the public halves (HostPublicKeys).

Keys come from `cryptography`; nothing here is home-made crypto.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

__all__ = ["HostKeys", "HostPublicKeys", "InvalidKey", "PortalKey", "VerifyKey", "seal_public_key"]

HOST_KEY_PREFIX = "berth-host-key-1:"
PORTAL_KEY_PREFIX = "berth-portal-key-1:"
_RAW = {"encoding": serialization.Encoding.Raw, "format": serialization.PublicFormat.Raw}
_RAW_PRIVATE = {
    "encoding": serialization.Encoding.Raw,
    "format": serialization.PrivateFormat.Raw,
    "encryption_algorithm": serialization.NoEncryption(),
}


class InvalidKey(ValueError):
    """Text that is not a key of the kind asked for; the sentence says which."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str, size: int, what: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size:
        raise InvalidKey(f"{what} is not a Berth key (expected {size} bytes, base64).")
    return raw


@dataclass(frozen=True)
class VerifyKey:
    """The public half of an Ed25519 key: checks signatures."""

    key: Ed25519PublicKey

    @classmethod
    def from_text(cls, text: str) -> VerifyKey:
        return cls(Ed25519PublicKey.from_public_bytes(_unb64(text, 32, "the public key")))

    def to_text(self) -> str:
        return _b64(self.key.public_bytes(**_RAW))

    def verify(self, signature: str, data: bytes) -> bool:
        try:
            self.key.verify(_unb64(signature, 64, "the signature"), data)
        except (InvalidSignature, InvalidKey):
            return False
        return True


@dataclass(frozen=True)
class PortalKey:
    """The portal's signing key (text: BERTH_PORTAL_KEY or the key file in its data directory)."""

    key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> PortalKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_text(cls, text: str) -> PortalKey:
        text = text.strip()
        if not text.startswith(PORTAL_KEY_PREFIX):
            raise InvalidKey("The portal key does not start with 'berth-portal-key-1:'.")
        return cls(Ed25519PrivateKey.from_private_bytes(_unb64(text[len(PORTAL_KEY_PREFIX) :], 32, "the portal key")))

    def to_text(self) -> str:
        return PORTAL_KEY_PREFIX + _b64(self.key.private_bytes(**_RAW_PRIVATE))

    def public(self) -> VerifyKey:
        return VerifyKey(self.key.public_key())

    def sign(self, data: bytes) -> str:
        return _b64(self.key.sign(data))


@dataclass(frozen=True)
class HostPublicKeys:
    """What the portal keeps of a host's keys: the key its signatures verify with, the key it seals to."""

    verify: str
    seal: str


@dataclass(frozen=True)
class HostKeys:
    """A host's private keys; `to_text()` is BERTH_HOST_KEY, shown once at enrollment."""

    signing: Ed25519PrivateKey
    sealing: X25519PrivateKey

    @classmethod
    def generate(cls) -> HostKeys:
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @classmethod
    def from_text(cls, text: str) -> HostKeys:
        text = text.strip()
        if not text.startswith(HOST_KEY_PREFIX):
            raise InvalidKey("BERTH_HOST_KEY does not start with 'berth-host-key-1:'.")
        raw = _unb64(text[len(HOST_KEY_PREFIX) :], 64, "BERTH_HOST_KEY")
        return cls(Ed25519PrivateKey.from_private_bytes(raw[:32]), X25519PrivateKey.from_private_bytes(raw[32:]))

    def to_text(self) -> str:
        raw = self.signing.private_bytes(**_RAW_PRIVATE) + self.sealing.private_bytes(**_RAW_PRIVATE)
        return HOST_KEY_PREFIX + _b64(raw)

    def public(self) -> HostPublicKeys:
        return HostPublicKeys(
            verify=_b64(self.signing.public_key().public_bytes(**_RAW)),
            seal=_b64(self.sealing.public_key().public_bytes(**_RAW)),
        )

    def sign(self, data: bytes) -> str:
        return _b64(self.signing.sign(data))


def seal_public_key(text: str) -> X25519PublicKey:
    """A host's sealing key from the text the portal keeps (HostPublicKeys.seal)."""
    return X25519PublicKey.from_public_bytes(_unb64(text, 32, "the host's sealing key"))
