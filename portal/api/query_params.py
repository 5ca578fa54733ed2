"""Reading list filters from the query string: a bad value is a 400 that names it, never a 500."""

from rest_framework.exceptions import ValidationError

__all__ = ["bool_param", "int_param"]

TRUE = {"true", "1", "yes"}
FALSE = {"false", "0", "no"}


def int_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError({name: f"'{value}' is not a number."}, code="invalid") from None


def bool_param(request, name: str) -> bool | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ValidationError({name: f"'{value}' is neither true nor false."}, code="invalid")
