"""Email over SMTP, configured by `SMTP_URL` (settings.BERTH_SMTP_URL):

- `smtp://user:pass@host:port` — plain, upgraded with STARTTLS when the server offers it
  (`?starttls=required` refuses a server that does not; `?starttls=off` never tries);
- `smtps://user:pass@host:port` — TLS from the first byte.

`?from=` names the sender (else BERTH_ALERT_EMAIL_FROM)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings

from portal.alerts.senders import DeliveryFailed, Message

__all__ = ["SmtpSettings", "send_email", "smtp_settings"]

TIMEOUT = 10.0


class SmtpSettings:
    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise DeliveryFailed("SMTP_URL must look like smtp://user:password@host:port or smtps://…")
        query = parse_qs(parts.query)
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.starttls = (query.get("starttls") or ["auto"])[0]
        self.sender = (query.get("from") or [settings.BERTH_ALERT_EMAIL_FROM])[0]


def smtp_settings() -> SmtpSettings:
    if not settings.BERTH_SMTP_URL:
        raise DeliveryFailed("No SMTP server is configured: set SMTP_URL for the portal worker.")
    return SmtpSettings(settings.BERTH_SMTP_URL)


def send_email(addresses: list[str], message: Message) -> None:
    smtp = smtp_settings()
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = smtp.sender
    mail["To"] = ", ".join(addresses)
    mail.set_content(message.text)
    context = ssl.create_default_context()
    try:
        if smtp.tls:
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
        with client:
            client.ehlo()
            if not smtp.tls and smtp.starttls != "off":
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                elif smtp.starttls == "required":
                    raise DeliveryFailed(f"The SMTP server {smtp.host} does not offer STARTTLS.")
            if smtp.username:
                client.login(smtp.username, smtp.password)
            client.send_message(mail)
    except DeliveryFailed:
        raise
    except smtplib.SMTPAuthenticationError:
        raise DeliveryFailed(f"The SMTP server {smtp.host} refused the username and password.") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(
            f"Could not send email through {smtp.host}:{smtp.port}: {type(exc).__name__}: {exc}"
        ) from None
