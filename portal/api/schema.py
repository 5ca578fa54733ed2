"""The API's OpenAPI schema: drf-spectacular's, with the refusals every route may answer declared
once, here, rather than on each view.

Every refusal has one body (portal.api.errors): `{"detail", "code"}`, plus `errors` for a 400 on
fields. Which statuses a route may answer follows from its shape:

- 401 and 403 on every route (all need a login; the policy refuses an action);
- 404 on every route: an object in the path, a host named in the body or a filter that the user
  may not see, or a page past the last;
- 400 on a route that reads a body, query parameters or a path parameter other than an id;
  415 on one that reads a body;
- 409 and 503 (and 504: a host asked did not answer) on a route that changes something, or on a
  read whose view says it asks a host or a registry (`@reaches_out`).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

__all__ = ["BerthAutoSchema", "RefusalSerializer", "reaches_out"]

REFUSALS = {
    "400": "The request is not valid: `detail` says why (`errors` lists each field's).",
    "401": "Not logged in: no session, or no valid token (`Authorization: Token <key>`).",
    "403": "The policy does not allow you this action.",
    "404": "No such object, or not visible to you.",
    "415": "The body's media type is not one this route reads.",
    "409": "The object's state does not allow it, or a registry did not answer.",
    "503": "A host (or the broker) this needs is not answering: nothing was done.",
    "504": "The host was asked and did not answer in time.",
}
READING = ("401", "403", "404")
CHANGING = ("409", "503", "504")


class RefusalSerializer(serializers.Serializer):
    """Every refusal's body (portal.api.errors.exception_handler)."""

    detail = serializers.CharField(help_text="A sentence for the user.")
    code = serializers.CharField(help_text="A code for programs, e.g. `host_offline`.")
    errors = serializers.DictField(required=False, help_text="On a 400 about fields: each field's errors.")


def reaches_out(view_method):
    """Marks a read that asks a host or a registry, so it may answer 409, 503 or 504."""
    view_method.reaches_out = True
    return view_method


class BerthAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in self._refusal_statuses():
            if status not in responses:
                described = OpenApiResponse(RefusalSerializer, description=REFUSALS[status])
                responses[status] = self._get_response_for_code(described, status, direction=direction)
        return responses

    def _refusal_statuses(self) -> list[str]:
        statuses = list(READING)
        if self._reads_input():
            statuses.append("400")
        if self.method in ("POST", "PUT", "PATCH"):
            statuses.append("415")
        if self.method != "GET" or getattr(self._view_method(), "reaches_out", False):
            statuses += CHANGING
        return statuses

    def _reads_input(self) -> bool:
        if self.method in ("POST", "PUT", "PATCH"):
            return True
        # A query parameter, or a path parameter that is not a plain id (a repository, a tag).
        return any(
            parameter.get("in") == "query" or parameter.get("schema", {}).get("type") != "integer"
            for parameter in self._get_parameters()
        )

    def _view_method(self):
        action = getattr(self.view, "action", None)
        return getattr(self.view, action or self.method.lower(), None)
