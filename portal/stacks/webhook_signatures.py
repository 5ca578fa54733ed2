"""A git stack's webhook, verified: GitHub's `X-Hub-Signature-256` (`sha256=` and the HMAC-SHA256
of the body, hex), Gitea's `X-Gitea-Signature` (the same HMAC, hex alone), GitLab's
`X-Gitlab-Token` (the secret itself), or Berth's own `X-Berth-Webhook-Secret` (the secret itself).
Every one compared in constant time; each header sent must hold, and at least one must be sent.

Replaying a body signed earlier is let through: all it can do is ask for a fetch, and a deploy
happens only when the commit changed (portal/stacks/git_deploy.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from urllib.parse import parse_qs

from portal.refusals import Forbidden

__all__ = ["WebhookRefused", "pushed_ref", "verified_provider"]

SIGNED = {"X-Hub-Signature-256": "github", "X-Gitea-Signature": "gitea"}
PLAIN = {"X-Gitlab-Token": "gitlab", "X-Berth-Webhook-Secret": "berth"}


class WebhookRefused(Forbidden):
    code = "bad_signature"


def _hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verified_provider(headers: Mapping[str, str], body: bytes, secret: str) -> str:
    """Which provider's signature the request carries, once every one it carries holds; else
    WebhookRefused with a sentence."""
    if not secret:
        raise WebhookRefused("This stack's webhook has no secret yet: rotate it to get one.")
    found = []
    for header, provider in SIGNED.items():
        value = headers.get(header)
        if value is None:
            continue
        given = value.strip()
        if provider == "github":
            scheme, _, given = given.partition("=")
            if scheme != "sha256":
                raise WebhookRefused(f"{header} must be sha256=<hex>: the signature is not valid.")
        if not hmac.compare_digest(given.lower().encode(), _hmac_hex(secret, body).encode()):
            raise WebhookRefused(f"The {header} signature does not match this stack's webhook secret.")
        found.append(provider)
    for header, provider in PLAIN.items():
        value = headers.get(header)
        if value is None:
            continue
        if not hmac.compare_digest(value.strip().encode(), secret.encode()):
            raise WebhookRefused(f"The {header} does not match this stack's webhook secret.")
        found.append(provider)
    if not found:
        raise WebhookRefused(
            "This webhook needs a signature: X-Hub-Signature-256 (GitHub), X-Gitea-Signature (Gitea), "
            "X-Gitlab-Token (GitLab) or X-Berth-Webhook-Secret."
        )
    return found[0]


def pushed_ref(body: bytes, content_type: str) -> str | None:
    """The ref a push event names (`refs/heads/main`), or None when the body names none."""
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            payload = json.loads((parse_qs(body.decode()).get("payload") or ["{}"])[0])
        else:
            payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    ref = payload.get("ref") if isinstance(payload, dict) else None
    return ref if isinstance(ref, str) else None
