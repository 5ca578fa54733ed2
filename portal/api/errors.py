"""Every API error is JSON `{"detail": "...", "code": "..."}`; field errors also list `errors`.

This is the one place a refusal (portal.refusals.Refusal, raised by any service) becomes an
HTTP answer: views neither catch nor translate them. One the policy made is audited first.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from portal.audit.refusals import record_refusal_of
from portal.refusals import Refusal

__all__ = ["exception_handler", "page_not_found", "server_error"]

API_PREFIX = "/api/"
NOT_FOUND = "Not found, or not visible to you."

log = logging.getLogger(__name__)


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


def _answer(refusal: Refusal) -> exceptions.APIException:
    answer = exceptions.APIException(refusal.sentence, refusal.code)
    answer.status_code = refusal.status
    return answer


def exception_handler(exc, context):
    refused = exc if isinstance(exc, Refusal) else None
    if refused is not None:
        # A collection action's refusal is on the host its body named (PolicyPermission found it).
        record_refusal_of(exc, context.get("request"), getattr(context.get("view"), "policy_host", None))
        exc = _answer(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
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
    if refused is not None:
        # An answer Berth meant (a host offline is a 503, not a failure): one line of its own at
        # INFO, not Django's request log, which writes every 5xx as an ERROR with the request.
        request = context.get("request")
        asked = f"{request.method} {request.path}" if request is not None else "a request"
        log.info("Refused %s (%d %s): %s", asked, refused.status, refused.code, refused)
        response._has_been_logged = True  # Django's own mark (django.utils.log.log_response)
    return response


# Django's own answers for what no view handled (portal/urls.py names them): under /api/ they are
# JSON like every other API answer (a path no route matches, such as /api/v1/containers/1.5/).


def page_not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": NOT_FOUND, "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Berth failed to answer: the error is in its log.", "code": "error"}, status=500)
    return defaults.server_error(request)
