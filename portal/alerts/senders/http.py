"""Webhooks: Berth's own JSON, signed, and the shapes Slack, Discord, Microsoft Teams and ntfy take.

The generic webhook's body is signed with HMAC-SHA256 under the channel's secret:
`X-Berth-Signature: sha256=<hex of HMAC(secret, "<X-Berth-Timestamp>." + body)>`. A receiver
recomputes it over the raw body (`verify_signature`) and refuses old timestamps."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import requests

from portal.alerts.choices import ChannelKind
from portal.alerts.senders import DeliveryFailed, Message

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "payload", "send_http", "sign", "verify_signature"]

SIGNATURE_HEADER = "X-Berth-Signature"
TIMESTAMP_HEADER = "X-Berth-Timestamp"
TIMEOUT = 10.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, max_age: float = 300) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        fresh = abs(time.time() - float(timestamp)) <= max_age
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


def payload(kind: str, message: Message) -> tuple[bytes, dict]:
    """The body and headers a channel of `kind` takes."""
    if kind == ChannelKind.NTFY:
        return message.text.encode(), {"Title": message.subject, "Tags": "rotating_light", "Content-Type": "text/plain"}
    body = {
        ChannelKind.WEBHOOK: {
            "source": "berth",
            "kind": message.kind,
            "subject": message.subject,
            "text": message.text,
            "alerts": message.alerts,
        },
        ChannelKind.SLACK: {"text": f"*{message.subject}*\n{message.text}"},
        ChannelKind.DISCORD: {"content": f"**{message.subject}**\n{message.text}"[:2000]},
        ChannelKind.TEAMS: {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": message.subject,
            "title": message.subject,
            "text": message.text.replace("\n", "  \n"),
        },
    }[kind]
    return json.dumps(body, default=str).encode(), {"Content-Type": "application/json"}


def send_http(kind: str, url: str, secret: str, message: Message) -> None:
    body, headers = payload(kind, message)
    headers["User-Agent"] = "Berth-Alerts/1"
    if kind == ChannelKind.WEBHOOK and secret:
        timestamp = str(int(time.time()))
        headers[TIMESTAMP_HEADER] = timestamp
        headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
    elif kind == ChannelKind.NTFY and secret:
        headers["Authorization"] = f"Bearer {secret}"
    try:
        answer = requests.post(url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        raise DeliveryFailed(f"Could not reach the webhook: {type(exc).__name__}") from None
    if not 200 <= answer.status_code < 300:
        raise DeliveryFailed(f"The webhook answered {answer.status_code}.")
