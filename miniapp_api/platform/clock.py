"""The one clock. Code never calls datetime.now() itself.

Tests freeze or move it with time-machine in their own process; processes a test starts (RQ workers,
the scheduler) are given the test's instant through the CLOCK_START setting and run on from there.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_offset = timedelta(0)


def start_at(moment: datetime | None, anchor: datetime | None = None) -> None:
    """Make this process's clock read `moment` now (or at the real instant `anchor`) and run on from it
    (None: the real clock)."""
    global _offset
    _offset = timedelta(0) if moment is None else moment - (anchor or datetime.now(UTC))


def utcnow() -> datetime:
    return datetime.now(UTC) + _offset


def local(moment: datetime, zone: ZoneInfo = SHANGHAI) -> datetime:
    """A stored UTC moment as a citizen reads it."""
    return moment.astimezone(zone)


def local_date(moment: datetime) -> date:
    """The calendar day of a moment in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI).date()


def today() -> date:
    """Today in Asia/Shanghai, by the one clock."""
    return local_date(utcnow())


def local_iso(moment: datetime | None) -> str | None:
    """Times go out in Asia/Shanghai with their offset (2026-11-24T09:00:00+08:00)."""
    return moment.astimezone(SHANGHAI).isoformat() if moment else None


def chinese_date(value: date | datetime) -> str:
    """2026年11月23日, as citizens read a date (a moment is read in Asia/Shanghai first)."""
    day = local_date(value) if isinstance(value, datetime) else value
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_time(moment: datetime) -> str:
    """2026年11月3日 09:05: a moment as citizens read it, in Asia/Shanghai (the one format for every message)."""
    return f"{chinese_date(moment)} {local(moment):%H:%M}"
