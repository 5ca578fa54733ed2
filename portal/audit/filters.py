"""Filters of the audit trail, read from a query string: the API, its CSV export and the Audit page
share them, so the page's "Export CSV" link exports exactly the rows the page shows.

A bad value is a `BadFilter` naming the field with a sentence the user can act on (a 400 in the
API, a message on the page), never a 500 and never silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from portal.api.query_params import id_in
from portal.audit.choices import Outcome

__all__ = ["FILTER_NAMES", "AuditFilter", "BadFilter"]

FILTER_NAMES = ("user", "action", "host", "outcome", "since", "until")

# In a query string an unescaped "+" arrives as a space: "…T12:00:00 02:00" meant "+02:00".
_OFFSET_AS_SPACE = re.compile(r"(T\d[\d:.]*) (\d\d(?::?\d\d)?)$")


class BadFilter(ValueError):
    """A filter value that cannot be understood."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def _moment(field: str, value: str) -> tuple[datetime, bool]:
    """An ISO 8601 date or date-time, and whether it was a bare date (midnight at its start).
    A time without an offset is in Berth's time zone."""
    value = _OFFSET_AS_SPACE.sub(r"\1+\2", value)
    try:
        day = parse_date(value)
        moment = datetime.combine(day, time.min) if day is not None else parse_datetime(value)
    except ValueError:  # well formed but impossible, like 2030-02-30
        moment = None
    if moment is None:
        raise BadFilter(field, f"'{value}' is not a date or time; use ISO 8601, like 2030-01-31 or 2030-01-31T14:00Z.")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment, day is not None


@dataclass(frozen=True)
class AuditFilter:
    """Which events to keep. Every field is optional; an empty string or None filters nothing."""

    user: str = ""
    action: str = ""
    host: str = ""
    outcome: str = ""
    since: datetime | None = None
    # Events strictly before this moment: a bare `until` date keeps the whole of that day.
    before: datetime | None = None

    @classmethod
    def from_query(cls, params) -> AuditFilter:
        """The filters in a QueryDict (or any mapping of names to text); raises BadFilter."""
        values = {name: (params.get(name) or "").strip() for name in FILTER_NAMES}
        outcome = values["outcome"].lower()
        if outcome and outcome not in Outcome.values:
            raise BadFilter("outcome", f"'{values['outcome']}' is not an outcome; use success, failure or denied.")
        since = before = None
        if values["since"]:
            since, _ = _moment("since", values["since"])
        if values["until"]:
            until, whole_day = _moment("until", values["until"])
            before = until + (timedelta(days=1) if whole_day else timedelta(microseconds=1))
        if since is not None and before is not None and before <= since:
            raise BadFilter("until", "The end of the period comes before its start.")
        return cls(
            user=values["user"],
            action=values["action"],
            host=values["host"],
            outcome=outcome,
            since=since,
            before=before,
        )

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.user:
            # The username copied on the event also finds failed logins, which name the account
            # tried but belong to no user; digits may be a user id too.
            who = Q(username=self.user)
            if (user_id := id_in(self.user)) is not None:
                who |= Q(user_id=user_id)
            queryset = queryset.filter(who)
        if self.action:
            # "team." or "team.*" is every team action; anything else is one action.
            if self.action.endswith((".", ".*")):
                queryset = queryset.filter(action__startswith=self.action.removesuffix("*"))
            else:
                queryset = queryset.filter(action=self.action)
        if self.host:
            # A host id, or its slug.
            if (host_id := id_in(self.host)) is not None:
                queryset = queryset.filter(host_id=host_id)
            else:
                queryset = queryset.filter(host__slug=self.host)
        if self.outcome:
            queryset = queryset.filter(outcome=self.outcome)
        if self.since is not None:
            queryset = queryset.filter(created_at__gte=self.since)
        if self.before is not None:
            queryset = queryset.filter(created_at__lt=self.before)
        return queryset
