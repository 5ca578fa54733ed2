"""What Berth will not do, said once: the one refusal type, with its HTTP status, a code for
programs and a sentence for the user.

Services raise a Refusal (or one of the named kinds below, or an app's own subclass such as
portal.hosts.errors.HostOffline). Each door renders it the same way:

- the API: `{"detail": sentence, "code": code}` with `status` (portal.api.errors.exception_handler);
- websockets: a close with `close_code` (4000 + status: 4400, 4401, 4403, 4404, 4409, 4503) and
  the sentence as the reason (portal.ws.consumers.BerthJsonConsumer);
- pages: the sentence as a message, or a page with the status (the view decides which).

A refusal the policy made names the `action` it refused (and the `target`, when there is one):
each door records such a refusal in the audit trail as a denied attempt, through
portal.audit.refusals.record_refusal, as the API's permission class records its own.

Plain Python (no Django), so any layer may raise one.
"""

from __future__ import annotations

__all__ = ["Conflict", "Forbidden", "HostTimeout", "NotFound", "Refusal", "Unavailable"]

# A websocket close reason is at most 123 bytes (RFC 6455: 125 less the code).
CLOSE_REASON_CHARS = 120


class Refusal(Exception):
    """A request Berth refuses; `str()` is the sentence, `status` the HTTP status, `code` its code."""

    status: int = 400
    code: str = "refused"
    # The policy action refused (audited as a denied attempt), the object it was asked on, and
    # what the audit row's detail says of it besides (a terminal session's id, say).
    action: str = ""
    target = None
    detail: dict | None = None

    def __init__(
        self,
        sentence: str,
        code: str | None = None,
        *,
        status: int | None = None,
        action: str = "",
        target=None,
        detail: dict | None = None,
    ):
        super().__init__(sentence)
        self.sentence = sentence
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.action = action
        self.target = target
        self.detail = detail

    @property
    def close_code(self) -> int:
        """The websocket close code that says the same: 4000 + the HTTP status."""
        return 4000 + self.status

    @property
    def close_reason(self) -> str:
        return self.sentence[:CLOSE_REASON_CHARS]


class NotFound(Refusal):
    """No such object, or not one the user may see (the two are never told apart)."""

    status = 404
    code = "not_found"


class Forbidden(Refusal):
    """The user sees the object but may not do this to it."""

    status = 403
    code = "permission_denied"


class Conflict(Refusal):
    """The object is not in a state that allows it (not running, name taken, port taken…)."""

    status = 409
    code = "conflict"


class Unavailable(Refusal):
    """Something Berth needs to answer is not answering (a host, the broker)."""

    status = 503
    code = "unavailable"


class HostTimeout(Refusal):
    """A host was asked and did not answer in time."""

    status = 504
    code = "host_timeout"
