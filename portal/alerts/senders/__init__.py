"""Sending one message to one channel: email over SMTP, a signed webhook, or a chat's own shape.
Each sender raises DeliveryFailed with a sentence (never a secret) when the message did not go."""

from __future__ import annotations

__all__ = ["DeliveryFailed", "Message"]

from dataclasses import dataclass, field


class DeliveryFailed(Exception):
    """The message did not go; the sentence says why (shown on the alert's timeline)."""


@dataclass
class Message:
    """What a channel is told: a one-line subject, the text, and the alerts it is about."""

    subject: str
    text: str
    alerts: list[dict] = field(default_factory=list)
    kind: str = "fired"
