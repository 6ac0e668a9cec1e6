"""Setting a centre up for booking: its opening hours, windows and the items each window handles.

Every change re-fits the booking horizon at once through `sync_slots`, which adds missing slots and
removes future unbooked ones that no longer fit, and never touches a booked seat: people who booked a
period that is later closed keep their appointment (the hall serves them, or staff cancel with a reason).
Each change is audit-logged with what it was before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.appointments.slots import sync_slots
from miniapp_api.centres import messages  # the centre's own words for its hours and windows
from miniapp_api.centres.models import Centre, OpeningPeriod, ServiceItem, Window
from miniapp_api.centres.services import UNKNOWN_ITEM, WINDOW_NOT_FOUND
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform import audit as audit_trail

PERIOD_ORDER = "period_order"
PERIOD_OVERLAP = "period_overlap"
PERIOD_NOT_FOUND = "period_not_found"
WINDOW_NAME_TAKEN = "window_name_taken"


@dataclass(frozen=True)
class PeriodIn:
    weekday: int          # 0 = Monday
    opens: time
    closes: time
    label: str | None = None


def _audit(session: Session, actor: str, action: str, centre: Centre, **detail) -> None:
    audit_trail.record(session, actor=actor, action=action, subject_type="centre", subject_id=str(centre.id),
                       detail=detail)


def add_opening_period(session: Session, centre: Centre, period: PeriodIn, *, actor: str, now: datetime) -> int:
    """A new period (e.g. 延时服务 on Thursday evenings); refused when it overlaps one of the same weekday."""
    if period.closes <= period.opens:
        raise DomainError(messages.PERIOD_ORDER, code=PERIOD_ORDER, status=422,
                          fields={"closes": messages.PERIOD_ORDER})
    for existing in centre.hours:
        if existing.weekday == period.weekday and existing.opens < period.closes and period.opens < existing.closes:
            text = messages.PERIOD_OVERLAP.format(weekday=messages.WEEKDAY_NAMES[existing.weekday],
                                                  opens=existing.opens.strftime("%H:%M"),
                                                  closes=existing.closes.strftime("%H:%M"))
            raise DomainError(text, code=PERIOD_OVERLAP, status=409, fields={"opens": text})
    centre.hours.append(OpeningPeriod(weekday=period.weekday, opens=period.opens, closes=period.closes,
                                      label=period.label))
    session.flush()
    _audit(session, actor, "centre.hours_added", centre, weekday=period.weekday, opens=period.opens.isoformat(),
           closes=period.closes.isoformat(), label=period.label)
    return sync_slots(session, centre.id, now)


def remove_opening_period(session: Session, centre: Centre, period_id: int, *, actor: str, now: datetime) -> None:
    period = next((p for p in centre.hours if p.id == period_id), None)
    if period is None:
        raise NotFound(messages.PERIOD_NOT_FOUND, code=PERIOD_NOT_FOUND)
    centre.hours.remove(period)
    session.delete(period)
    session.flush()
    _audit(session, actor, "centre.hours_removed", centre, weekday=period.weekday, opens=period.opens.isoformat(),
           closes=period.closes.isoformat())
    sync_slots(session, centre.id, now)


def _items(session: Session, codes: list[str]) -> list[ServiceItem]:
    items = list(session.scalars(select(ServiceItem).where(ServiceItem.code.in_(codes))))
    missing = sorted(set(codes) - {i.code for i in items})
    if missing:
        text = messages.UNKNOWN_ITEMS.format(codes="、".join(missing))
        raise DomainError(text, code=UNKNOWN_ITEM, status=422, fields={"item_codes": text})
    return items


def centre_window(centre: Centre, window_id: int) -> Window:
    window = next((w for w in centre.windows if w.id == window_id), None)
    if window is None:
        raise NotFound(messages.WINDOW_NOT_FOUND, code=WINDOW_NOT_FOUND)
    return window


def update_window(session: Session, centre: Centre, window: Window, *, counters: int, item_codes: list[str],
                  actor: str, now: datetime) -> None:
    """Counters and items. Fewer counters never drop a slot below the seats already booked in it."""
    before = {"counters": window.counters, "items": [i.code for i in window.items]}
    window.counters = counters
    window.items = _items(session, item_codes)
    session.flush()
    _audit(session, actor, "centre.window_changed", centre, window_id=window.id, before=before,
           after={"counters": counters, "items": sorted(item_codes)})
    sync_slots(session, centre.id, now)


def add_window(session: Session, centre: Centre, *, name: str, kind: str, counters: int, slot_minutes: int,
               item_codes: list[str], actor: str, now: datetime) -> Window:
    if any(w.name == name for w in centre.windows):
        raise DomainError(messages.WINDOW_NAME_TAKEN, code=WINDOW_NAME_TAKEN, status=409,
                          fields={"name": messages.WINDOW_NAME_TAKEN})
    window = Window(centre_id=centre.id, name=name, kind=kind, counters=counters, slot_minutes=slot_minutes,
                    items=_items(session, item_codes))
    centre.windows.append(window)
    session.flush()
    _audit(session, actor, "centre.window_added", centre, window_id=window.id, name=name, kind=kind,
           counters=counters, slot_minutes=slot_minutes, items=sorted(item_codes))
    sync_slots(session, centre.id, now)
    return window
