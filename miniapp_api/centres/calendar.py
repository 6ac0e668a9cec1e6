"""Chinese working days: chinese-calendar's data, under an admin overrides table.

The library's data ends with the last year the State Council has published
(2026 in 1.11.0). For a date it cannot answer, we fall back to the plain
weekday rule and record a warning for staff, who then enter the new year's
调休 arrangement as overrides. Never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import chinese_calendar
import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.centres import messages
from miniapp_api.centres.models import CalendarOverride, CalendarWarning
from miniapp_api.platform.db import db

log = structlog.get_logger(__name__)


class DayKind(StrEnum):
    WORKDAY = "workday"   # a working day, including a 调休 weekend workday
    WEEKEND = "weekend"   # an ordinary Saturday or Sunday
    HOLIDAY = "holiday"   # a statutory holiday or a day off in lieu


class Source(StrEnum):
    OVERRIDE = "override"
    LIBRARY = "library"
    WEEKDAY_RULE = "weekday_rule"


@dataclass(frozen=True)
class DayStatus:
    day: date
    kind: DayKind
    source: Source
    name: str | None = None

    @property
    def is_workday(self) -> bool:
        return self.kind is DayKind.WORKDAY

    @property
    def schedule_weekday(self) -> int | None:
        """Which weekday's opening hours apply: a 调休 Saturday works to Monday's hours; holidays have none."""
        if self.kind is DayKind.HOLIDAY:
            return None
        if self.kind is DayKind.WORKDAY and self.day.weekday() >= 5:
            return 0
        return self.day.weekday()


@lru_cache(maxsize=4096)
def _library_status(day: date) -> DayStatus | None:
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    if not is_holiday:
        return DayStatus(day, DayKind.WORKDAY, Source.LIBRARY, name)
    if name is None:
        return DayStatus(day, DayKind.WEEKEND, Source.LIBRARY)
    return DayStatus(day, DayKind.HOLIDAY, Source.LIBRARY, name)


def status_from(session: Session, day: date, override_is_workday: bool | None,
                override_note: str | None = None) -> DayStatus:
    """The day's status given its override (already read, or None when there is none)."""
    if override_is_workday is not None:
        kind = DayKind.WORKDAY if override_is_workday else DayKind.HOLIDAY
        return DayStatus(day, kind, Source.OVERRIDE, override_note)
    status = _library_status(day)
    if status is not None:
        return status
    record_missing_data(session, day)
    kind = DayKind.WORKDAY if day.weekday() < 5 else DayKind.WEEKEND
    return DayStatus(day, kind, Source.WEEKDAY_RULE)


def day_status(session: Session, day: date) -> DayStatus:
    override = session.get(CalendarOverride, day)
    return status_from(session, day, override.is_workday if override else None, override.note if override else None)


_warned: set[date] = set()


def record_missing_data(session: Session, day: date) -> None:
    """One warning row per date for staff (idempotent), written once per process: every
    booking into a year without data would otherwise write it again. It lands when the
    caller commits; the hourly slot sweep, which walks the whole horizon, always does."""
    if day in _warned:
        return
    _warned.add(day)
    log.warning("calendar.no_data", day=day.isoformat())
    if db.on_replica(session):
        return   # a listing served by the replica cannot write; the hourly slot sweep records it
    # Under a read-only view (autocommit) this one idempotent row commits on its own: harmless by design.
    session.execute(insert(CalendarWarning).values(
        day=day, message=messages.CALENDAR_NO_DATA.format(year=day.year, day=day.isoformat()))
        .on_conflict_do_nothing(index_elements=["day"]))


def open_warnings(session: Session) -> list[CalendarWarning]:
    """Warnings for dates that still have no override."""
    overridden = select(CalendarOverride.day)
    return list(session.scalars(select(CalendarWarning).where(CalendarWarning.day.not_in(overridden))
                                .order_by(CalendarWarning.day)))


def recent_overrides(session: Session, today: date, *, days_back: int = 30,
                     limit: int = 60) -> list[CalendarOverride]:
    """The admins' word on dates from a month ago on, for the setup page."""
    since = today - timedelta(days=days_back)
    return list(session.scalars(select(CalendarOverride).where(CalendarOverride.day >= since)
                                .order_by(CalendarOverride.day).limit(limit)))


class _Days:
    """Day statuses over a range, with the overrides read in one query (not one per day)."""

    def __init__(self, session: Session, first: date, last: date):
        self.session, self.first, self.last = session, first, last
        self.overrides = {o.day: o for o in session.scalars(
            select(CalendarOverride).where(CalendarOverride.day.between(first, last)))}

    def status(self, day: date) -> DayStatus:
        if not self.first <= day <= self.last:
            return day_status(self.session, day)
        override = self.overrides.get(day)
        return status_from(self.session, day, override.is_workday if override else None,
                           override.note if override else None)


def add_working_days(session: Session, start: date, days: int) -> date:
    """The date `days` working days after `start` (承诺时限 counting; start itself not counted).

    Negative `days` count backwards: "3 working days before the deadline".
    """
    if days == 0:
        return start
    step = timedelta(days=1 if days > 0 else -1)
    reach = timedelta(days=abs(days) * 2 + 20)   # Spring Festival plus weekends fits easily
    calendar = _Days(session, start - reach, start + reach)   # beyond it, day by day
    current, remaining = start, abs(days)
    while remaining > 0:
        current += step
        if calendar.status(current).is_workday:
            remaining -= 1
    return current


def working_days_between(session: Session, start: date, end: date) -> int:
    """Working days in (start, end]: how long a paused legal clock stood still."""
    if end <= start:
        return 0
    calendar = _Days(session, start, end)
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += calendar.status(current).is_workday
    return count


def set_override(session: Session, day: date, *, is_workday: bool, note: str) -> None:
    session.execute(insert(CalendarOverride).values(day=day, is_workday=is_workday, note=note)
                    .on_conflict_do_update(index_elements=["day"], set_={"is_workday": is_workday, "note": note}))
