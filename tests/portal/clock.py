"""The portal's clock in tests that pass `now`: a fixed start, and moments after it."""

from datetime import UTC, datetime, timedelta

T0 = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)
