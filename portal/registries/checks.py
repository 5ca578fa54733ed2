"""Test connection: did the registry answer, and did it accept the credentials — in plain words."""

from __future__ import annotations

from dataclasses import dataclass

from portal.registries.client import (
    AuthRefused,
    NotARegistry,
    RegistryError,
    RegistryUnreachable,
    TLSFailure,
)
from portal.registries.connections import fresh_client

__all__ = ["ConnectionReport", "check_connection"]


@dataclass(frozen=True)
class ConnectionReport:
    """`answered`: a registry answered at the URL. `credentials`: "accepted", "refused",
    "none saved" (anonymous access works) or "not checked" (nothing to check them against).
    `token_realm`: the token service on another host the registry sent the check to (see
    RegistryClient.check), which a save pins."""

    ok: bool
    answered: bool
    credentials: str
    detail: str
    error: RegistryError | None = None
    token_realm: str = ""


def check_connection(
    url: str, username: str, password: str, verify_tls: bool, *, token_realm: str = "", learn_realm: bool = False
) -> ConnectionReport:
    """`learn_realm` when the settings are being saved: the token service the registry names then is
    accepted (https, if on another host) and reported, to be pinned; otherwise only `token_realm` is."""
    client = fresh_client(url, username, password, verify_tls, token_realm, learn_realm)
    try:
        result = client.check()
    except AuthRefused as exc:
        return ConnectionReport(False, True, "refused", str(exc), exc)
    except (RegistryUnreachable, TLSFailure, NotARegistry) as exc:
        return ConnectionReport(False, False, "not checked", str(exc), exc)
    except RegistryError as exc:
        return ConnectionReport(False, True, "not checked", str(exc), exc)
    finally:
        client.close()
    credentials = "accepted" if result.authenticated else "none saved"
    return ConnectionReport(True, True, credentials, result.message, token_realm=result.token_realm)
