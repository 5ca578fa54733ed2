"""The request body checked by a serializer: its validated data, or the 400 with its sentences."""

from typing import Any

__all__ = ["validated"]


def validated(serializer_class, data) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
