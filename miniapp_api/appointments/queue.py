"""Check-in, walk-in tickets and the calling queue at the counters.

Ticket numbers come from a per-window, per-day counter advanced by one upsert,
so two check-ins at once never share a number; counters call with
FOR UPDATE SKIP LOCKED, so two counters never call the same person.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, literal, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from miniapp_api.appointments import messages
from miniapp_api.appointments.models import (
    Appointment,
    AppointmentStatus,
    Ticket,
    TicketCounter,
    TicketStatus,
)
from miniapp_api.appointments.presence import Presence, require_presence
from miniapp_api.appointments.services import (
    CENTRE_CLOSED,
    ITEM_NOT_AT_CENTRE,
    BookingRefused,
    end_appointment,
    appointment_for,
)
from miniapp_api.appointments.slots import opening_periods
from miniapp_api.authority.services import Act
from miniapp_api.centres.models import Centre, ServiceItem, Window, WindowKind
from miniapp_api.centres.services import WINDOW_NOT_FOUND, get_centre, get_item
from miniapp_api.notifications import appointment_notices as notices
from miniapp_api.notifications.services import insert_drafts
from miniapp_api.platform import events
from miniapp_api.platform.clock import SHANGHAI, local_date
from miniapp_api.platform.errors import DomainError, NotFound, require_state
from miniapp_api.platform.privacy import mask_name
from miniapp_api.staff.services import visible_centres

TOO_EARLY_TO_CHECK_IN = "too_early_to_check_in"
CHECK_IN_CLOSED = "check_in_closed"
NOT_CHECKABLE = "not_checkable"
TICKET_NOT_FOUND = "ticket_not_found"
TICKET_STATE = "ticket_state"
NOT_CALLED_ENOUGH = "not_called_enough"
TOO_MANY_TICKETS = "too_many_tickets"
# Walk-in numbers can be taken from anywhere: one person holds at most this many at once, across all halls.
MAX_OPEN_WALK_INS = 2

CHECK_IN_OPENS_MINUTES = 30   # before the appointment starts
CALLS_BEFORE_MISSED = 3
OPEN_TICKET_STATUSES = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)


def issue_ticket(session: Session, *, window: Window, item_id: int, now: datetime,
                 appointment: Appointment | None = None, citizen_id: int | None = None) -> Ticket:
    day = local_date(now)
    seq = session.execute(
        insert(TicketCounter).values(window_id=window.id, service_date=day, last_seq=1)
        .on_conflict_do_update(index_elements=["window_id", "service_date"],
                               set_={"last_seq": TicketCounter.last_seq + 1})
        .returning(TicketCounter.last_seq)).scalar_one()
    ticket = Ticket(centre_id=window.centre_id, window_id=window.id, item_id=item_id, appointment=appointment,
                    citizen_id=citizen_id, service_date=day, seq=seq, number=f"{window.ticket_prefix}{seq:03d}",
                    status=TicketStatus.WAITING, call_count=0, created_at=now)
    session.add(ticket)
    session.flush()
    return ticket


def check_in(session: Session, *, citizen_id: int, appointment_id: int, now: datetime,
             presence: Presence | None = None, presence_key: bytes = b"") -> Ticket:
    """At the hall: a queue ticket (a centre that asks for presence wants its screens' code or a location
    close by: presence.py). Repeating it returns the same one. Whoever has a grant on the booking may check it
    in (authority): its booker, the person it is for, a delegate whose authorisation is in force."""
    appointment, _ = appointment_for(session, citizen_id, appointment_id, Act.CHECK_IN, now, lock=True)
    if appointment.status == AppointmentStatus.CHECKED_IN and appointment.ticket is not None:
        return appointment.ticket
    require_presence(presence_key, appointment.centre, presence, now)
    if appointment.status != AppointmentStatus.BOOKED:
        raise BookingRefused(messages.NOT_CHECKABLE.format(status=messages.STATUS_NAMES[appointment.status]),
                             code=NOT_CHECKABLE)
    if now < appointment.starts_at - timedelta(minutes=CHECK_IN_OPENS_MINUTES):
        raise BookingRefused(messages.TOO_EARLY_TO_CHECK_IN.format(minutes=CHECK_IN_OPENS_MINUTES),
                             code=TOO_EARLY_TO_CHECK_IN)
    if now > appointment.starts_at + timedelta(minutes=appointment.centre.no_show_grace_minutes):
        raise BookingRefused(messages.CHECK_IN_CLOSED, code=CHECK_IN_CLOSED)
    ticket = issue_ticket(session, window=appointment.window, item_id=appointment.lines[0].item_id, now=now,
                          appointment=appointment, citizen_id=citizen_id)
    appointment.status = AppointmentStatus.CHECKED_IN
    appointment.checked_in_at = now
    session.flush()
    return ticket


def _window_for_walk_in(centre: Centre, item: ServiceItem) -> Window:
    serving = [window for window in centre.windows if any(i.id == item.id for i in window.items)]
    if not serving:
        raise BookingRefused(messages.ITEM_NOT_AT_CENTRE, code=ITEM_NOT_AT_CENTRE, status=422)
    preference = [WindowKind.EXPRESS, WindowKind.GENERAL] if item.high_frequency else [WindowKind.GENERAL]
    for kind in preference:
        for window in serving:
            if window.kind == kind:
                return window
    return serving[0]


def walk_in_ticket(session: Session, *, citizen_id: int, centre_id: int, item_code: str, now: datetime,
                   presence: Presence | None = None, presence_key: bytes = b"") -> Ticket:
    """A ticket without an appointment, during opening hours, at the hall where the centre asks for presence;
    one open ticket per person per window, and MAX_OPEN_WALK_INS open walk-in tickets per person in all (the
    view also rate-limits taking them)."""
    centre = get_centre(session, centre_id)
    require_presence(presence_key, centre, presence, now)
    item = get_item(session, item_code)
    window = _window_for_walk_in(centre, item)
    today = local_date(now)
    if not any(p.starts_at <= now < p.ends_at for p in opening_periods(session, centre, today)):
        raise BookingRefused(messages.CENTRE_CLOSED_NOW, code=CENTRE_CLOSED)
    existing = session.scalars(select(Ticket).where(
        Ticket.citizen_id == citizen_id, Ticket.window_id == window.id, Ticket.service_date == today,
        Ticket.status.in_(OPEN_TICKET_STATUSES))).first()
    if existing is not None:
        return existing
    held = session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.citizen_id == citizen_id, Ticket.appointment_id.is_(None), Ticket.service_date == today,
        Ticket.status.in_(OPEN_TICKET_STATUSES)))
    if held >= MAX_OPEN_WALK_INS:
        raise BookingRefused(messages.TOO_MANY_TICKETS.format(limit=MAX_OPEN_WALK_INS), code=TOO_MANY_TICKETS)
    return issue_ticket(session, window=window, item_id=item.id, now=now, citizen_id=citizen_id)


@dataclass(frozen=True)
class WindowQueue:
    window: Window
    waiting: int
    now_serving: list[str]
    estimated_wait_minutes: int


def average_service_minutes(session: Session, window: Window, now: datetime, sample: int = 20) -> float:
    recent = (select((func.extract("epoch", Ticket.finished_at - Ticket.serving_started_at) / 60).label("minutes"))
              .where(Ticket.window_id == window.id, Ticket.status == TicketStatus.SERVED,
                     Ticket.finished_at > now - timedelta(days=30), Ticket.serving_started_at.is_not(None))
              .order_by(Ticket.finished_at.desc()).limit(sample).subquery())
    average = session.scalar(select(func.avg(recent.c.minutes)))
    return float(average) if average else float(window.slot_minutes)


def queue_overview(session: Session, centre_id: int, now: datetime) -> list[WindowQueue]:
    centre = get_centre(session, centre_id)
    today = local_date(now)
    overview = []
    for window in centre.windows:
        open_tickets = list(session.scalars(select(Ticket).where(
            Ticket.window_id == window.id, Ticket.service_date == today,
            Ticket.status.in_(OPEN_TICKET_STATUSES)).order_by(Ticket.seq)))
        waiting = sum(1 for t in open_tickets if t.status == TicketStatus.WAITING)
        serving = [t.number for t in open_tickets if t.status in (TicketStatus.CALLED, TicketStatus.SERVING)]
        rounds = math.ceil(waiting / window.counters) if waiting else 0
        overview.append(WindowQueue(window, waiting, serving,
                                    round(rounds * average_service_minutes(session, window, now))))
    return overview


# --- counter side (the staff console calls these) ---------------------------------------------


def _ticket(session: Session, ticket_id: int, window_id: int) -> Ticket:
    ticket = session.scalars(select(Ticket).where(Ticket.id == ticket_id, Ticket.window_id == window_id)
                             .options(selectinload(Ticket.appointment)).with_for_update()).one_or_none()
    if ticket is None:
        raise NotFound(messages.TICKET_NOT_FOUND, code=TICKET_NOT_FOUND)
    return ticket


def _require(ticket: Ticket, *statuses: TicketStatus) -> None:
    require_state(ticket.status, statuses, message=messages.TICKET_STATE, names=messages.STATUS_NAMES,
                  code=TICKET_STATE)


QUEUE_NEAR_AHEAD = 3      # "前面还有 N 人" goes out when the people ahead drop to this (QUEUE_NEAR_AHEAD setting)


# The calling order, one definition: checked-in appointments first (false sorts before true), then by number.
CALL_ORDER = (Ticket.appointment_id.is_(None), Ticket.seq)


def _waiting(window_id: int, today):
    """A window's waiting tickets in calling order (CALL_ORDER)."""
    return (select(Ticket).where(Ticket.window_id == window_id, Ticket.service_date == today,
                                 Ticket.status == TicketStatus.WAITING)
            .order_by(*CALL_ORDER))


def waiting_ahead(session: Session, ticket: Ticket) -> int | None:
    """前面还有 N 人: the waiting tickets the window will call before this one, those before it in CALL_ORDER;
    None once the ticket is no longer waiting."""
    if ticket.status != TicketStatus.WAITING:
        return None
    mine = tuple_(literal(ticket.appointment_id is None), literal(ticket.seq))
    ahead = _waiting(ticket.window_id, ticket.service_date).where(tuple_(*CALL_ORDER) < mine).order_by(None)
    return session.scalar(select(func.count()).select_from(ahead.subquery()))


def call_next(session: Session, *, window_id: int, now: datetime, near_ahead: int = QUEUE_NEAR_AHEAD) -> Ticket | None:
    """The next waiting ticket at the window. Its holder hears 请到窗口, and those now `near_ahead` or fewer
    from the counter hear 前面还有 N 人 (in-app and, with consent, WeChat; each once, never held back)."""
    today = local_date(now)
    ticket = session.scalars(_waiting(window_id, today).limit(1).with_for_update(skip_locked=True)).first()
    if ticket is None:
        return None
    ticket.status, ticket.call_count, ticket.called_at = TicketStatus.CALLED, 1, now
    session.flush()
    behind = session.scalars(_waiting(window_id, today).limit(near_ahead + 1)).all()
    drafts = notices.queue_drafts(ticket, list(enumerate(behind)))
    if drafts:
        insert_drafts(session, drafts, now)
    return ticket


def gone_queue_pushes(session: Session, rows: list) -> set[int]:
    """The outbox asks before sending: a 前面还有 N 人 whose ticket is no longer waiting, or a 请到窗口 whose
    ticket is no longer called, is past its moment and stays unsent."""
    tickets = dict(session.execute(select(Ticket.id, Ticket.status).where(
        Ticket.id.in_({r.subject_id for r in rows}))).tuples().all())
    wanted = {"queue_near": TicketStatus.WAITING, "queue_called": TicketStatus.CALLED}
    return {row.id for row in rows if tickets.get(row.subject_id) != wanted.get(row.kind)}


def recall(session: Session, *, window_id: int, ticket_id: int, now: datetime) -> Ticket:
    ticket = _ticket(session, ticket_id, window_id)
    _require(ticket, TicketStatus.CALLED)
    ticket.call_count += 1
    ticket.called_at = now
    session.flush()
    return ticket


def skip(session: Session, *, window_id: int, ticket_id: int, now: datetime) -> Ticket:
    """过号: only after the number was called three times without anyone coming."""
    ticket = _ticket(session, ticket_id, window_id)
    _require(ticket, TicketStatus.CALLED)
    if ticket.call_count < CALLS_BEFORE_MISSED:
        raise DomainError(messages.NOT_CALLED_ENOUGH.format(count=ticket.call_count), code=NOT_CALLED_ENOUGH,
                          status=409)
    ticket.status, ticket.finished_at = TicketStatus.MISSED, now
    session.flush()
    return ticket


def start_serving(session: Session, *, window_id: int, ticket_id: int, now: datetime) -> Ticket:
    ticket = _ticket(session, ticket_id, window_id)
    _require(ticket, TicketStatus.CALLED)
    ticket.status, ticket.serving_started_at = TicketStatus.SERVING, now
    if ticket.appointment is not None:
        ticket.appointment.status = AppointmentStatus.SERVING
    session.flush()
    return ticket


def finish_serving(session: Session, *, window_id: int, ticket_id: int, now: datetime) -> Ticket:
    ticket = _ticket(session, ticket_id, window_id)
    _require(ticket, TicketStatus.SERVING)
    ticket.status, ticket.finished_at = TicketStatus.SERVED, now
    if ticket.appointment is not None:
        end_appointment(ticket.appointment, AppointmentStatus.SERVED, now)
    citizen_id = ticket.appointment.citizen_id if ticket.appointment is not None else ticket.citizen_id
    if citizen_id is not None:
        events.publish(session, events.APPOINTMENT_SERVED,
                       ("appointment", ticket.appointment_id) if ticket.appointment_id else ("ticket", ticket.id),
                       {"citizen_id": citizen_id, "centre_id": ticket.centre_id, "window_id": ticket.window_id,
                        "item_id": ticket.item_id, "served_at": now.isoformat()})
    session.flush()
    return ticket


# --- the counter's own view (staff API and console) ----------------------------------------------


@dataclass(frozen=True)
class CounterTicket:
    id: int
    number: str
    status: str
    call_count: int
    item_name: str
    person: str | None     # masked: the counter screen may face the hall
    booked: bool
    taken_at: str          # HH:MM in Shanghai, formatted by PostgreSQL (200 rows are a normal morning)


@dataclass(frozen=True)
class CounterWindow:
    id: int
    name: str
    centre_id: int
    centre_name: str


def staff_window(session: Session, staff, window_id: int) -> CounterWindow:
    """A window of one of the staff member's centres, read as plain values in one query (the counter page
    asks on every refresh); any other window is 'not found'."""

    row = session.execute(select(Window.id, Window.name, Window.centre_id, Centre.name)
                          .join(Centre, Centre.id == Window.centre_id)
                          .where(Window.id == window_id, Window.centre_id.in_(visible_centres(staff)))).first()
    if row is None:
        raise NotFound(messages.WINDOW_NOT_FOUND, code=WINDOW_NOT_FOUND)
    return CounterWindow(*row)


_COUNTER_TICKETS = (
    select(Ticket.id, Ticket.number, Ticket.status, Ticket.call_count, ServiceItem.name, Appointment.person_name,
           Ticket.appointment_id.is_not(None),
           func.to_char(func.timezone(str(SHANGHAI), Ticket.created_at), "HH24:MI"))
    .join(ServiceItem, ServiceItem.id == Ticket.item_id)
    .outerjoin(Appointment, Appointment.id == Ticket.appointment_id)
    .where(Ticket.window_id == bindparam("window_id"), Ticket.service_date == bindparam("today"),
           Ticket.status.in_(OPEN_TICKET_STATUSES))
    .order_by(Ticket.status == TicketStatus.WAITING, Ticket.appointment_id.is_(None), Ticket.seq))


def counter_tickets(session: Session, window_id: int, now: datetime) -> list[CounterTicket]:
    """Today's open tickets at a window in calling order: one prebuilt Core query of plain values, because
    the window page lists them all on every refresh (200 waiting is a normal morning)."""
    rows = session.connection().execute(_COUNTER_TICKETS, {"window_id": window_id,
                                                           "today": local_date(now)}).all()
    return [CounterTicket(id, number, status, calls, item, mask_name(person) if person else None, booked, taken)
            for id, number, status, calls, item, person, booked, taken in rows]


COUNTER_ACTIONS = {"recall": recall, "skip": skip, "start": start_serving, "finish": finish_serving}
