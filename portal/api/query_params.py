"""Reading list filters from the query string: a bad value is a 400 that names it, never a 500."""

from rest_framework.exceptions import ValidationError

__all__ = ["LARGEST_ID", "bool_param", "id_in", "int_param"]

# Ids are 64-bit in every database Berth runs on; a bigger number names nothing (and SQLite would
# raise on it rather than find nothing).
LARGEST_ID = 2**63 - 1
TRUE = {"true", "1", "yes"}
FALSE = {"false", "0", "no"}


def id_in(text: str) -> int | None:
    """The id a text of digits names, or None when it is no id (not digits, or too large)."""
    if text.isdigit() and int(text) <= LARGEST_ID:
        return int(text)
    return None


def int_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValidationError({name: f"'{value}' is not a number."}, code="invalid") from None
    if abs(number) > LARGEST_ID:
        raise ValidationError({name: f"'{value}' is too large a number."}, code="invalid")
    return number


def bool_param(request, name: str) -> bool | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ValidationError({name: f"'{value}' is neither true nor false."}, code="invalid")
