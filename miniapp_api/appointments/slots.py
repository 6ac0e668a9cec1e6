"""Slots for the booking horizon: opening hours × counters, on the days the calendar opens the centre."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from miniapp_api.appointments import full_slots
from miniapp_api.appointments.models import Slot
from miniapp_api.centres.calendar import day_status
from miniapp_api.centres.models import Centre, CentreClosure, ServiceItem, Window, window_item
from miniapp_api.platform.clock import SHANGHAI, local_date


@dataclass(frozen=True)
class Period:
    starts_at: datetime
    ends_at: datetime


def closures_on(session: Session, centre_id: int, day: date) -> list[CentreClosure]:
    """The closures standing on a local date (not lifted), earliest made first."""
    return list(session.scalars(select(CentreClosure).where(
        CentreClosure.centre_id == centre_id, CentreClosure.day == day, CentreClosure.lifted_at.is_(None))
        .order_by(CentreClosure.id)))


def scheduled_periods(session: Session, centre: Centre, day: date) -> list[Period]:
    """The periods the hours and the calendar open on a local date, in UTC (closures not subtracted: their
    slots exist and carry the closure, so lifting it makes them bookable again as they were)."""
    weekday = day_status(session, day).schedule_weekday
    if weekday is None:
        return []
    return [Period(datetime.combine(day, p.opens, SHANGHAI), datetime.combine(day, p.closes, SHANGHAI))
            for p in centre.hours if p.weekday == weekday]


def opening_periods(session: Session, centre: Centre, day: date) -> list[Period]:
    """The centre's open periods on a local date, in UTC, less the hours a closure of every window takes;
    empty when it is closed."""
    periods = scheduled_periods(session, centre, day)
    for closure in closures_on(session, centre.id, day) if periods else []:
        if not closure.all_windows:
            continue
        if closure.whole_day:
            return []
        cut_from = datetime.combine(day, closure.from_time, SHANGHAI)   # type: ignore[arg-type]
        cut_to = datetime.combine(day, closure.to_time, SHANGHAI)       # type: ignore[arg-type]
        periods = [piece for p in periods for piece in (Period(p.starts_at, min(p.ends_at, cut_from)),
                                                        Period(max(p.starts_at, cut_to), p.ends_at))
                   if piece.starts_at < piece.ends_at]
    return periods


def desired_slots(session: Session, centre: Centre, day: date) -> list[dict]:
    rows = []
    for period in scheduled_periods(session, centre, day):
        for window in centre.windows:
            if not window.items:  # e.g. the complaints counter: nothing to book there
                continue
            step = timedelta(minutes=window.slot_minutes)
            start = period.starts_at
            while start + step <= period.ends_at:
                rows.append({"window_id": window.id, "centre_id": centre.id, "starts_at": start,
                             "ends_at": start + step, "capacity": window.counters})
                start += step
    return rows


def horizon_days(centre: Centre, now: datetime) -> list[date]:
    today = local_date(now)
    return [today + timedelta(days=offset) for offset in range(centre.booking_horizon_days + 1)]


def sync_slots(session: Session, centre_id: int, now: datetime) -> int:
    """Make the future slots match the hours and counters; never touch a booked seat.

    Missing slots are added; future unbooked slots that no longer fit the hours are
    removed; capacities follow the window's counters but never drop below `booked`.
    Safe to run any number of times. Returns the number of slots added.
    """
    centre = session.scalars(select(Centre).where(Centre.id == centre_id).options(
        selectinload(Centre.windows), selectinload(Centre.hours))).one()
    days = horizon_days(centre, now)
    wanted = [row for day in days for row in desired_slots(session, centre, day) if row["starts_at"] > now]
    wanted_keys = {(row["window_id"], row["starts_at"]) for row in wanted}
    horizon_end = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), SHANGHAI)
    future = session.execute(select(Slot.id, Slot.window_id, Slot.starts_at).where(
        Slot.centre_id == centre.id, Slot.starts_at > now, Slot.starts_at < horizon_end, Slot.booked == 0)).all()
    stale = [row.id for row in future if (row.window_id, row.starts_at) not in wanted_keys]
    if stale:
        session.execute(delete(Slot).where(Slot.id.in_(stale), Slot.booked == 0))
    added = 0
    if wanted:
        result = session.execute(insert(Slot).values(wanted).on_conflict_do_nothing(
            constraint="uq_slot_window_start").returning(Slot.id))
        added = len(result.all())
    # Slots a closure has not marked (made since, or while it was being closed) take it now.
    mark_closed(session, centre.id, now)
    for window in centre.windows:
        resized = session.execute(update(Slot).where(Slot.window_id == window.id, Slot.starts_at > now,
                                                     Slot.capacity != window.counters, Slot.booked <= window.counters)
                                  .values(capacity=window.counters).returning(Slot.id)).scalars().all()
        full_slots.freed_after_commit(session, resized)   # a counter added: a full slot may have room again
    return added


# The slots a closure covers: its centre, its local day, its windows (NULL: all) and its hours (NULL: all day;
# a slot overlapping the hours at all is covered). `c` is the closure, `s` the slot.
COVERS = """s.centre_id = c.centre_id AND (s.starts_at AT TIME ZONE 'Asia/Shanghai')::date = c.day
    AND (c.window_ids IS NULL OR s.window_id = ANY(c.window_ids))
    AND (c.from_time IS NULL OR ((s.starts_at AT TIME ZONE 'Asia/Shanghai')::time < c.to_time
                                 AND (s.ends_at AT TIME ZONE 'Asia/Shanghai')::time > c.from_time))"""


def mark_closed(session: Session, centre_id: int, since: datetime) -> None:
    """Slots made after a closure (a day beyond the horizon when it was closed) carry it too."""
    session.execute(text(f"""UPDATE slot s SET closure_id = c.id FROM centre_closure c
        WHERE s.closure_id IS NULL AND c.lifted_at IS NULL AND c.centre_id = :centre AND s.starts_at > :since
          AND {COVERS}"""), {"centre": centre_id, "since": since})


def fill_all_horizons(session: Session, now: datetime) -> int:
    return sum(sync_slots(session, centre_id, now) for centre_id in session.scalars(select(Centre.id)))


def slots_for_item(session: Session, centre: Centre, item_id: int, day: date) -> list[Slot]:
    """The day's slots at the centre's windows that handle the item, earliest first."""
    return slots_for_items(session, centre, [item_id], day)


def slots_for_items(session: Session, centre: Centre, item_ids: list[int], day: date) -> list[Slot]:
    """The day's slots at the centre's windows that handle every one of the items, earliest first."""
    start = datetime.combine(day, datetime.min.time(), SHANGHAI)
    serving = (select(window_item.c.window_id).where(window_item.c.item_id.in_(item_ids))
               .group_by(window_item.c.window_id).having(func.count() == len(set(item_ids))))
    return list(session.scalars(
        select(Slot).options(selectinload(Slot.window))
        .where(Slot.centre_id == centre.id, Slot.window_id.in_(serving), Slot.starts_at >= start,
               Slot.starts_at < start + timedelta(days=1), Slot.closure_id.is_(None))
        .order_by(Slot.starts_at, Slot.window_id)))




def slots_needed(items: list[ServiceItem], window: Window) -> int:
    """How many of the window's slots the items take together."""
    return max(1, math.ceil(sum(item.duration_minutes for item in items) / window.slot_minutes))


def bookable_starts(session: Session, centre: Centre, items: list[ServiceItem], day: date) -> list[list[Slot]]:
    """Where several items can be booked as one visit (多事项预约): runs of back-to-back slots at one window
    that handles them all, as many as the items' durations need together, each with a free seat. The booking
    itself takes the same run (services.book_appointment), all or nothing."""
    slots = slots_for_items(session, centre, [i.id for i in items], day)
    by_window: dict[int, list[Slot]] = {}
    for slot in slots:
        by_window.setdefault(slot.window_id, []).append(slot)
    runs = []
    for window_slots in by_window.values():
        needed = slots_needed(items, window_slots[0].window)
        for position in range(len(window_slots) - needed + 1):
            run = window_slots[position:position + needed]
            back_to_back = all(a.ends_at == b.starts_at for a, b in zip(run, run[1:]))
            if back_to_back and all(s.booked < s.capacity for s in run):
                runs.append(run)
    return sorted(runs, key=lambda run: (run[0].starts_at, run[0].window_id))
