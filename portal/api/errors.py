"""Every API error is JSON `{"detail": "...", "code": "..."}`; field errors also list `errors`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

__all__ = ["exception_handler"]


def _first_message(detail) -> tuple[str, str]:
    """The first human sentence in a DRF error detail, with its field when there is one."""
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        field, value = next(iter(detail.items()))
        message, code = _first_message(value)
        if field in ("non_field_errors", "detail"):
            return message, code
        return f"{field}: {message}", code
    return str(detail), getattr(detail, "code", "error") or "error"


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found, or not visible to you.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    message, code = _first_message(detail)
    body = {"detail": message, "code": code}
    if isinstance(exc, exceptions.ValidationError) and isinstance(detail, dict):
        body["errors"] = response.data
    response.data = body
    return response
