"""Read models the console pages need and no API serves: a few aggregate queries each."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Date, cast, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from miniapp_api.applications.models import Application
from miniapp_api.appointments.models import Appointment, AppointmentItem, Slot, Ticket
from miniapp_api.appointments.slots import closures_on, opening_periods, scheduled_periods
from miniapp_api.centres.calendar import DayKind, day_status
from miniapp_api.centres.models import Centre, CentreLevel, ServiceItem, Window, window_item
from miniapp_api.feedback.models import Feedback
from miniapp_api.identity.models import FaceVerification
from miniapp_api.console import messages
from miniapp_api.platform.clock import SHANGHAI, local, local_date
from miniapp_api.platform.privacy import mask_name
from miniapp_api.ratings.models import Rectification
from miniapp_api.staff.models import Role, Staff, StaffNotice, staff_centre
from miniapp_api.staff.services import visible_centre_ids

OPEN_FEEDBACK = ("submitted", "assigned", "in_progress", "reopened")
OPEN_RECTIFICATION = ("open",)


def centres_of(session: Session, staff: Staff) -> list[Centre]:
    """The halls a staff member's pages list (the 代办点 under them have no windows, bookings or queue: the
    site desk lists those)."""
    return list(session.scalars(select(Centre).where(Centre.id.in_(visible_centre_ids(session, staff)),
                                                     Centre.level != CentreLevel.SITE)
                                .order_by(Centre.level, Centre.id)))


def home(session: Session, staff: Staff, now: datetime) -> dict:
    centre_ids = visible_centre_ids(session, staff)
    windows = window_groups(session, staff, centre_ids)
    today = local_date(now)
    feedback_open, feedback_due = session.execute(select(
        func.count(), func.count().filter(Feedback.due_on <= today))
        .where(Feedback.centre_id.in_(centre_ids), Feedback.status.in_(OPEN_FEEDBACK))).one()
    rectifications_open = session.scalar(select(func.count()).select_from(Rectification).where(
        Rectification.centre_id.in_(centre_ids), Rectification.status.in_(OPEN_RECTIFICATION)))
    notices = list(session.scalars(select(StaffNotice).where(StaffNotice.staff_id == staff.id)
                                   .order_by(StaffNotice.id.desc()).limit(10)))
    return {"windows": windows, "feedback_open": feedback_open, "feedback_due": feedback_due,
            "rectifications_open": rectifications_open, "notices": notices}


def items_at(session: Session, centre_ids: set[int]) -> list[ServiceItem]:
    """The items some window of these centres handles, by name: what a counter may take in."""
    served = (select(window_item.c.item_id).join(Window, Window.id == window_item.c.window_id)
              .where(Window.centre_id.in_(centre_ids)))
    return list(session.scalars(select(ServiceItem).where(ServiceItem.id.in_(served))
                                .order_by(ServiceItem.name, ServiceItem.code)))


def window_groups(session: Session, staff: Staff, centre_ids: set[int]) -> list[dict]:
    """The home page's windows by centre, the staff member's own centres first. A clerk sees the windows of the
    centres they are assigned to; a manager and an admin every centre they may open (admins: all of them)."""
    own = set(session.scalars(select(staff_centre.c.centre_id).where(staff_centre.c.staff_id == staff.id)))
    shown = centre_ids if staff.has_role(Role.ADMIN, Role.CENTRE_MANAGER) else own & centre_ids
    rows = session.execute(select(Centre.id, Centre.name, Window.id, Window.name).join(Window)
                           .where(Centre.id.in_(shown)).order_by(Centre.level, Centre.id, Window.id)).all()
    groups: dict[int, dict] = {}
    for centre_id, centre_name, window_id, window_name in rows:
        group = groups.setdefault(centre_id, {"id": centre_id, "name": centre_name, "own": centre_id in own,
                                              "windows": []})
        group["windows"].append({"id": window_id, "name": window_name})
    return sorted(groups.values(), key=lambda g: not g["own"])


def appointments_by_slot(session: Session, centre_id: int, day: date) -> list[dict]:
    """Each window's slots of the day with seats taken against capacity (取消的不占号)."""
    start = datetime.combine(day, datetime.min.time(), SHANGHAI)
    rows = session.execute(
        select(Window.id, Window.name, Slot.starts_at, Slot.ends_at, Slot.capacity, Slot.booked)
        .join(Window, Window.id == Slot.window_id)
        .where(Slot.centre_id == centre_id, Slot.starts_at >= start, Slot.starts_at < start + timedelta(days=1))
        .order_by(Window.id, Slot.starts_at)).all()
    windows: dict[int, dict] = {}
    for window_id, name, starts_at, ends_at, capacity, booked in rows:
        entry = windows.setdefault(window_id, {"name": name, "slots": [], "capacity": 0, "booked": 0})
        entry["slots"].append({"starts": local(starts_at), "ends": local(ends_at),
                               "capacity": capacity, "booked": booked,
                               "use": round(100 * booked / capacity) if capacity else 0})
        entry["capacity"] += capacity
        entry["booked"] += booked
    return list(windows.values())


# How far ahead the 预约 page looks for the next day the centre opens (the Spring Festival fits with room).
OPEN_DAY_SEARCH_DAYS = 30


def next_open_day(session: Session, centre: Centre, since: date) -> date:
    """The first day from `since` on when the centre opens at all (working-day calendar, opening hours, closures
    of the whole centre); `since` itself when none opens within OPEN_DAY_SEARCH_DAYS (the page then says why)."""
    for offset in range(OPEN_DAY_SEARCH_DAYS):
        day = since + timedelta(days=offset)
        if opening_periods(session, centre, day):
            return day
    return since


def closed_reason(session: Session, centre: Centre, day: date) -> str | None:
    """Why the centre does not open on a day, in the clerk's words; None when it opens."""
    if opening_periods(session, centre, day):
        return None
    if scheduled_periods(session, centre, day):
        whole = [c for c in closures_on(session, centre.id, day) if c.all_windows]
        return messages.DAY_SUSPENDED.format(reason=whole[0].reason if whole else "")
    return messages.DAY_HOLIDAY if day_status(session, day).kind == DayKind.HOLIDAY else messages.DAY_NOT_OPEN


def day_bookings(session: Session, centre_id: int, day: date) -> list[dict]:
    """The day's appointments at a centre by start time: masked name, the items by name, the window, where the
    person is (未到 … 已办结, 未到场, 已取消) and the case taken in from it, if any."""
    items = (select(func.string_agg(ServiceItem.name, aggregate_order_by(literal("、"), ServiceItem.name)))
             .select_from(AppointmentItem).join(ServiceItem, ServiceItem.id == AppointmentItem.item_id)
             .where(AppointmentItem.appointment_id == Appointment.id).scalar_subquery())
    case = (select(Application.reference).where(Application.appointment_id == Appointment.id)
            .order_by(Application.id).limit(1).scalar_subquery())
    rows = session.execute(
        select(Appointment.id, Appointment.starts_at, Appointment.ends_at, Appointment.person_name,
               Appointment.status, Window.name, items, case)
        .join(Window, Window.id == Appointment.window_id)
        .where(Appointment.centre_id == centre_id, Appointment.service_date == day)
        .order_by(Appointment.starts_at, Appointment.id)).all()
    return [{"id": id_, "starts": local(starts), "ends": local(ends), "person": mask_name(person),
             "status": status, "state": messages.ARRIVAL_STATES[status], "window": window, "item_names": names or "",
             "case": reference}
            for id_, starts, ends, person, status, window, names, reference in rows]


def bookings_per_day(session: Session, centre_ids: set[int], since: date, until: date) -> list[dict]:
    """Appointments per service day with no-show counts (the rate is taken over ended appointments)."""
    rows = session.execute(
        select(Appointment.service_date, func.count(),
               func.count().filter(Appointment.status == "no_show"),
               func.count().filter(Appointment.status.in_(("served", "no_show"))))
        .where(Appointment.centre_id.in_(centre_ids), Appointment.service_date.between(since, until),
               Appointment.status != "cancelled")
        .group_by(Appointment.service_date).order_by(Appointment.service_date)).all()
    return [{"day": day, "bookings": total, "no_shows": missed, "ended": ended,
             "no_show_rate": _percent(missed, ended)} for day, total, missed, ended in rows]


def upcoming_bookings(session: Session, centre_ids: set[int], since: date, days: int = 7) -> list[dict]:
    """Bookings still standing for each of the next `days` days (today first), per day: what the halls expect.
    Days without any booking are listed too (a row of zeros says nobody has booked yet)."""
    counts = dict(session.execute(
        select(Appointment.service_date, func.count())
        .where(Appointment.centre_id.in_(centre_ids), Appointment.service_date >= since,
               Appointment.service_date < since + timedelta(days=days),
               Appointment.status.in_(("booked", "checked_in", "serving", "served")))
        .group_by(Appointment.service_date)).tuples().all())
    return [{"day": since + timedelta(days=n), "bookings": counts.get(since + timedelta(days=n), 0)}
            for n in range(days)]


def wait_minutes_per_day(session: Session, centre_ids: set[int], since: date, until: date) -> list[dict]:
    """Average and 90th-percentile minutes from ticket to first call, per day."""
    wait = func.extract("epoch", Ticket.called_at - Ticket.created_at) / 60
    rows = session.execute(
        select(Ticket.service_date, func.avg(wait), func.percentile_cont(0.9).within_group(wait))
        .where(Ticket.centre_id.in_(centre_ids), Ticket.service_date.between(since, until),
               Ticket.called_at.is_not(None))
        .group_by(Ticket.service_date).order_by(Ticket.service_date)).all()
    return [{"day": day, "average": round(float(avg), 1), "p90": round(float(p90), 1)} for day, avg, p90 in rows]


def feedback_sla(session: Session, centre_ids: set[int], since: date) -> list[dict]:
    """Per month of filing: feedback filed, answered by its due day, answered after it."""
    month = func.date_trunc("month", func.timezone(str(SHANGHAI), Feedback.created_at))
    answered_day = cast(func.timezone(str(SHANGHAI), Feedback.answered_at), Date)
    rows = session.execute(
        select(month, func.count(),
               func.count().filter(Feedback.answered_at.is_not(None), answered_day <= Feedback.due_on),
               func.count().filter(Feedback.answered_at.is_not(None), answered_day > Feedback.due_on))
        .where(Feedback.centre_id.in_(centre_ids), Feedback.created_at >= datetime.combine(
            since, datetime.min.time(), SHANGHAI))
        .group_by(month).order_by(month)).all()
    return [{"month": m.strftime("%Y-%m"), "total": total, "on_time": on_time, "late": late,
             "rate": _percent(on_time, on_time + late)}
            for m, total, on_time, late in rows]


def no_show_share(rows: list[dict]) -> float | None:
    """The period's no-show rate, over ended appointments like each day's (not over all bookings)."""
    return _percent(sum(r["no_shows"] for r in rows), sum(r["ended"] for r in rows))


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None



# Velocity alerts: how many of one thing one account (or one ID number) did in the last hour before it is
# worth a look. Scalpers (号贩子) and ID-number probing show up here first.
ALERT_WINDOW = timedelta(hours=1)
ALERT_THRESHOLDS = {"verifications_by_account": 3, "verifications_by_id": 2, "bookings_by_account": 5,
                    "bookings_by_person": 3, "cancellations_by_account": 3}


def velocity_alerts(session: Session, staff: Staff, now: datetime) -> list[dict]:
    """Accounts and ID numbers with many verifications, bookings or cancellations in the last hour.
    Bookings and cancellations are counted at the staff member's centres; verifications (not tied to a
    centre) are shown to admins only. ID numbers appear only as the start of their keyed hash."""
    since, centre_ids = now - ALERT_WINDOW, visible_centre_ids(session, staff)
    alerts: list[dict] = []

    def add(kind: str, rows) -> None:
        alerts.extend({"kind": kind, "subject": subject, "count": count} for subject, count in rows)

    if staff.has_role(Role.ADMIN):
        add("verifications_by_account", session.execute(
            select(FaceVerification.citizen_id, func.count()).where(FaceVerification.created_at >= since)
            .group_by(FaceVerification.citizen_id)
            .having(func.count() >= ALERT_THRESHOLDS["verifications_by_account"])).all())
        add("verifications_by_id", [(f"#{h[:8]}", n) for h, n in session.execute(
            select(FaceVerification.id_number_hash, func.count(func.distinct(FaceVerification.citizen_id)))
            .where(FaceVerification.created_at >= since).group_by(FaceVerification.id_number_hash)
            .having(func.count(func.distinct(FaceVerification.citizen_id))
                    >= ALERT_THRESHOLDS["verifications_by_id"])).all()])
    add("bookings_by_account", session.execute(
        select(Appointment.citizen_id, func.count()).where(Appointment.created_at >= since,
                                                           Appointment.centre_id.in_(centre_ids))
        .group_by(Appointment.citizen_id).having(func.count() >= ALERT_THRESHOLDS["bookings_by_account"])).all())
    add("bookings_by_person", [(f"#{h[:8]}", n) for h, n in session.execute(
        select(Appointment.person_hash, func.count(func.distinct(Appointment.citizen_id)))
        .where(Appointment.created_at >= since, Appointment.centre_id.in_(centre_ids))
        .group_by(Appointment.person_hash)
        .having(func.count(func.distinct(Appointment.citizen_id)) >= ALERT_THRESHOLDS["bookings_by_person"])).all()])
    add("cancellations_by_account", session.execute(
        select(Appointment.citizen_id, func.count()).where(Appointment.status == "cancelled",
                                                           Appointment.updated_at >= since,
                                                           Appointment.centre_id.in_(centre_ids))
        .group_by(Appointment.citizen_id)
        .having(func.count() >= ALERT_THRESHOLDS["cancellations_by_account"])).all())
    return sorted(alerts, key=lambda a: -a["count"])
