"""A request field holding names and values (labels, driver options): an object of name: value,
or a list of "name=value" as a form sends them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

__all__ = ["TextMapField"]


class TextMapField(serializers.JSONField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", dict)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dict[str, str]:
        value = super().to_internal_value(data)
        if value in (None, "", {}, []):
            return {}
        if isinstance(value, list):
            value = dict(str(item).partition("=")[::2] for item in value)
        if not isinstance(value, dict) or any(not str(k).strip() for k in value):
            raise serializers.ValidationError("Write these as an object of name: value (names not empty).")
        return {str(k).strip(): str(v) for k, v in value.items()}
