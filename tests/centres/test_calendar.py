"""Working days: chinese-calendar's 2026 data, admin overrides above it, and a missing year handled."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from miniapp_api.appointments.models import Slot
from miniapp_api.appointments.slots import opening_periods, sync_slots
from miniapp_api.centres.calendar import DayKind, Source, add_working_days, day_status, open_warnings, set_override
from miniapp_api.centres.models import CalendarWarning
from miniapp_api.platform.clock import SHANGHAI, local
from tests.factories import build_hall


def test_2026_holidays_and_make_up_workdays(db_session):
    national_day = day_status(db_session, date(2026, 10, 1))
    assert (national_day.kind, national_day.name) == (DayKind.HOLIDAY, "National Day")
    make_up_saturday = day_status(db_session, date(2026, 10, 10))  # 调休: a Saturday worked
    assert make_up_saturday.kind is DayKind.WORKDAY and make_up_saturday.schedule_weekday == 0
    assert day_status(db_session, date(2026, 2, 14)).is_workday  # Spring Festival 调休 Saturday
    assert day_status(db_session, date(2026, 2, 17)).kind is DayKind.HOLIDAY
    plain_sunday = day_status(db_session, date(2026, 11, 29))
    assert plain_sunday.kind is DayKind.WEEKEND and plain_sunday.schedule_weekday == 6
    assert day_status(db_session, date(2026, 11, 24)).source is Source.LIBRARY


def test_missing_year_warns_and_uses_weekday_rule_then_overrides(db_session):
    monday = day_status(db_session, date(2027, 1, 4))
    assert monday.is_workday and monday.source is Source.WEEKDAY_RULE
    assert day_status(db_session, date(2027, 1, 9)).kind is DayKind.WEEKEND
    assert [w.day for w in open_warnings(db_session)] == [date(2027, 1, 4), date(2027, 1, 9)]
    assert "2027" in db_session.get(CalendarWarning, date(2027, 1, 4)).message
    set_override(db_session, date(2027, 1, 4), is_workday=False, note="元旦调休")
    db_session.flush()
    overridden = day_status(db_session, date(2027, 1, 4))
    assert (overridden.kind, overridden.source) == (DayKind.HOLIDAY, Source.OVERRIDE)
    assert [w.day for w in open_warnings(db_session)] == [date(2027, 1, 9)]


def test_override_beats_the_library(db_session):
    set_override(db_session, date(2026, 11, 25), is_workday=False, note="地方性假日")
    db_session.flush()
    assert day_status(db_session, date(2026, 11, 25)).kind is DayKind.HOLIDAY


def test_working_days_skip_the_national_day_week(db_session):
    # From Tuesday 29 September 2026, five working days: 30 Sep, then the holiday to 7 Oct,
    # then 8, 9, 10 (the make-up Saturday) and 12 October.
    assert add_working_days(db_session, date(2026, 9, 29), 5) == date(2026, 10, 12)


def test_slots_follow_the_calendar(db_session):
    before_holiday = datetime(2026, 9, 28, 8, 0, tzinfo=SHANGHAI)
    hall = build_hall(db_session, before_holiday, weekend_hours=True)
    hall.centre.booking_horizon_days = 14
    sync_slots(db_session, hall.centre.id, before_holiday)

    def slots_on(day: date) -> int:
        start = datetime.combine(day, datetime.min.time(), SHANGHAI)
        return len(db_session.scalars(select(Slot).where(Slot.centre_id == hall.centre.id, Slot.starts_at >= start,
                                                         Slot.starts_at < start + timedelta(days=1))).all())

    assert slots_on(date(2026, 9, 30)) > 0
    assert slots_on(date(2026, 10, 1)) == 0  # National Day: closed, despite Thursday hours
    assert slots_on(date(2026, 10, 3)) == 0  # a holiday Saturday: weekend hours do not apply
    assert slots_on(date(2026, 10, 10)) == slots_on(date(2026, 9, 28))  # 调休 Saturday works to Monday's hours
    periods = opening_periods(db_session, hall.centre, date(2026, 10, 10))
    assert [local(p.starts_at).hour for p in periods] == [8, 13]
