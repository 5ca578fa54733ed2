"""The 4xx answers operations give before anything is sent to a host."""

from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied

from portal.access.dangerous import DangerousOption, refuse_dangerous_options
from portal.hosts.models import Host

__all__ = ["Conflict", "refuse_dangerous"]


class Conflict(APIException):
    """The object is not in a state that allows it (not running, name taken, port taken…)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail: str, code: str = "conflict"):
        super().__init__(detail, code)


def refuse_dangerous(request, host: Host, spec: dict) -> None:
    try:
        refuse_dangerous_options(request, host.pk, spec)
    except DangerousOption as exc:
        raise PermissionDenied(str(exc), code="dangerous_option") from None
