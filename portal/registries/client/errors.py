"""One exception per kind of registry failure, each with a sentence a user can act on.

`status` and `code` say how the API answers (portal/registries/api): every kind is a 4xx, since
a 502/504 would tell an API client that Berth itself failed. Chosen statuses:

| kind | status | code |
| --- | --- | --- |
| unreachable (refused, timed out, no such name) | 409 | registry_unreachable |
| TLS failure (bad certificate, https to a plain-HTTP port) | 400 | registry_tls_failure |
| not a registry (no Registry API v2 at that URL) | 400 | not_a_registry |
| credentials refused | 400 | registry_auth_refused |
| repository or tag not found | 404 | registry_not_found |
| denied (the credentials lack the right) | 403 | registry_denied |
| unsupported (e.g. Docker Hub lists no catalog) | 400 | registry_unsupported |
| sent to another host (token service, next page, redirect) not approved | 400 | registry_untrusted_host |
| an answer bigger than Berth reads (e.g. a manifest over 4 MiB) | 400 | registry_answer_too_large |

409 for an unreachable registry: the request was fine, the world is not (try again later);
400 for what the saved settings get wrong (fix the URL, the TLS setting, the password).
"""

from __future__ import annotations

from portal.refusals import Refusal

__all__ = [
    "AnswerTooLarge",
    "AuthRefused",
    "Denied",
    "InvalidName",
    "NotARegistry",
    "NotFound",
    "RegistryError",
    "RegistryUnreachable",
    "TLSFailure",
    "Unsupported",
    "UntrustedHost",
]


class RegistryError(Refusal):
    """A registry could not answer what was asked; str() is a sentence for the user."""

    status = 400
    code = "registry_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RegistryUnreachable(RegistryError):
    status = 409
    code = "registry_unreachable"


class TLSFailure(RegistryError):
    status = 400
    code = "registry_tls_failure"


class NotARegistry(RegistryError):
    status = 400
    code = "not_a_registry"


class AuthRefused(RegistryError):
    status = 400
    code = "registry_auth_refused"


class NotFound(RegistryError):
    status = 404
    code = "registry_not_found"


class Denied(RegistryError):
    status = 403
    code = "registry_denied"


class Unsupported(RegistryError):
    status = 400
    code = "registry_unsupported"


class InvalidName(RegistryError):
    status = 400
    code = "invalid_name"


class UntrustedHost(RegistryError):
    """The registry sent Berth (and so its credentials) to another host it has not been allowed."""

    status = 400
    code = "registry_untrusted_host"


class AnswerTooLarge(RegistryError):
    status = 400
    code = "registry_answer_too_large"
