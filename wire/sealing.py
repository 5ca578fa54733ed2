"""Secrets sealed to one host: only the holder of that host's X25519 key can open them, so the
broker, a dump of it and every other host see ciphertext only.

An ephemeral X25519 key agreement with the host's public key, HKDF-SHA256 over the shared secret
(bound to both public keys), and AES-256-GCM: `cryptography`'s primitives, the construction of
libsodium's sealed boxes with an AEAD from the standard library of the ecosystem.
"""

from __future__ import annotations

import base64
import binascii
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wire.keys import HostKeys, seal_public_key

__all__ = ["SEALED_PREFIX", "CannotUnseal", "seal", "unseal"]

SEALED_PREFIX = "berth-sealed-1:"
_RAW = {"encoding": serialization.Encoding.Raw, "format": serialization.PublicFormat.Raw}


class CannotUnseal(ValueError):
    """Not sealed to this host's key (or altered on the way)."""


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"berth sealed 1" + ephemeral + recipient).derive(
        shared
    )


def seal(host_seal_key: str, secret: dict) -> str:
    """`secret` as text only the host whose sealing key this is can open."""
    recipient: X25519PublicKey = seal_public_key(host_seal_key)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(**_RAW)
    recipient_raw = recipient.public_bytes(**_RAW)
    nonce = os.urandom(12)
    box = AESGCM(_key(ephemeral.exchange(recipient), ephemeral_public, recipient_raw)).encrypt(
        nonce, json.dumps(secret).encode(), ephemeral_public
    )
    return SEALED_PREFIX + base64.urlsafe_b64encode(ephemeral_public + nonce + box).decode()


def unseal(keys: HostKeys, sealed: str) -> dict:
    if not isinstance(sealed, str) or not sealed.startswith(SEALED_PREFIX):
        raise CannotUnseal("the secret is not sealed")
    try:
        raw = base64.urlsafe_b64decode(sealed[len(SEALED_PREFIX) :])
    except (binascii.Error, ValueError):
        raise CannotUnseal("the sealed secret is not base64") from None
    ephemeral_public, nonce, box = raw[:32], raw[32:44], raw[44:]
    if len(ephemeral_public) != 32 or len(nonce) != 12:
        raise CannotUnseal("the sealed secret is too short")
    recipient_raw = keys.sealing.public_key().public_bytes(**_RAW)
    shared = keys.sealing.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    try:
        plain = AESGCM(_key(shared, ephemeral_public, recipient_raw)).decrypt(nonce, box, ephemeral_public)
    except InvalidTag:
        raise CannotUnseal("the secret was sealed to another key, or altered") from None
    return json.loads(plain)
