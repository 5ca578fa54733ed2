"""Reading a record's values as best they can be: a value of the wrong type or a missing key
becomes a sensible default and a note, never an error, so one odd object never stops a sync."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

__all__ = ["Notes", "RecordReader"]

log = logging.getLogger(__name__)

# How many notes one report logs in full; the rest are counted.
NOTES_LOGGED = 10


class Notes:
    """What was odd about a report's records, logged once per report rather than once per record."""

    def __init__(self):
        self.items: list[str] = []

    def add(self, note: str) -> None:
        self.items.append(note)

    def log(self, host_slug: str) -> None:
        if not self.items:
            return
        shown = "; ".join(self.items[:NOTES_LOGGED])
        more = f" (and {len(self.items) - NOTES_LOGGED} more)" if len(self.items) > NOTES_LOGGED else ""
        log.warning("Inventory of host '%s' recorded as best it could: %s%s", host_slug, shown, more)


class RecordReader:
    """Reads one record's values, noting what was missing or odd under `label` (kind and id)."""

    def __init__(self, record: dict, label: str, notes: Notes):
        self.record = record
        self.label = label
        self.notes = notes

    def _get(self, key: str) -> Any:
        if key not in self.record:
            self.notes.add(f"{self.label} lacks {key}")
        return self.record.get(key)

    def _odd(self, key: str, value: Any, wanted: str) -> None:
        self.notes.add(f"{self.label} has {key} {value!r:.60}, not {wanted}")

    def text(self, key: str, max_length: int | None = None) -> str:
        value = self._get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self._odd(key, value, "text")
            value = str(value)
        if max_length is not None and len(value) > max_length:
            self.notes.add(f"{self.label} has a {key} longer than {max_length} characters (cut)")
            value = value[:max_length]
        return value

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if value is not None and not isinstance(value, bool):
            self._odd(key, value, "true or false")
        return bool(value)

    def integer(self, key: str, default: int | None = 0) -> int | None:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                return int(value)
            except (TypeError, ValueError):
                self._odd(key, value, "an integer")
                return default
        return value

    def time(self, key: str) -> datetime | None:
        value = self._get(key)
        if value in (None, ""):
            return None
        parsed = None
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None
        if parsed is None:
            self._odd(key, value, "a time")
            return None
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)

    def _of_type(self, key: str, kind: type, wanted: str):
        """The value if it is a `kind`; None (noted when present but odd) otherwise."""
        value = self._get(key)
        if value is not None and not isinstance(value, kind):
            self._odd(key, value, wanted)
            return None
        return value

    def text_dict(self, key: str) -> dict[str, str]:
        value = self._of_type(key, dict, "an object") or {}
        return {str(k): v if isinstance(v, str) else str(v) for k, v in value.items()}

    def text_list(self, key: str) -> list[str]:
        return [v if isinstance(v, str) else str(v) for v in self._of_type(key, list, "a list") or []]

    def object_list(self, key: str) -> list[dict]:
        value = self._of_type(key, list, "a list") or []
        objects = [v for v in value if isinstance(v, dict)]
        if len(objects) != len(value):
            self.notes.add(f"{self.label} has {key} entries that are not objects (left out)")
        return objects

    def entries(self, key: str, names: tuple[str, ...]) -> list[dict[str, str]]:
        """`key`, a list of objects, each kept to the text values `names` (at most 255 characters)."""
        entries = []
        for entry in self.object_list(key):
            reader = RecordReader(entry, f"{self.label} {key}", self.notes)
            entries.append({name: reader.text(name, 255) for name in names})
        return entries
