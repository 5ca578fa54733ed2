"""A refused change (portal.teams.changes.ChangeRefused) answers as an API error with its sentence."""

from rest_framework.exceptions import APIException

from portal.teams.changes import ChangeRefused

__all__ = ["RefusalsAnswered"]


class RefusalsAnswered:
    """Viewset mixin: a ChangeRefused raised by a change becomes `{"detail", "code"}` with its status."""

    def handle_exception(self, exc):
        if isinstance(exc, ChangeRefused):
            answer = APIException(str(exc), code=exc.code)
            answer.status_code = exc.status
            exc = answer
        return super().handle_exception(exc)
