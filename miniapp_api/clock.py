"""The one clock. Code never calls datetime.now() itself.

Tests freeze or move it with time-machine in their own process; processes a test starts (RQ workers,
the scheduler) are given the test's instant through the CLOCK_START setting and run on from there.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_offset = timedelta(0)


def start_at(moment: datetime | None) -> None:
    """Make this process's clock read `moment` now and run on from it (None: the real clock)."""
    global _offset
    _offset = timedelta(0) if moment is None else moment - datetime.now(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC) + _offset if _offset else datetime.now(UTC)


def local(moment: datetime, zone: ZoneInfo = SHANGHAI) -> datetime:
    """A stored UTC moment as a citizen reads it."""
    return moment.astimezone(zone)
