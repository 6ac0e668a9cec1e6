"""How long each kind of record keeps personal data, and the daily purge that holds to it.

Periods in days, overridable per kind with RETENTION_DAYS (JSON, e.g. {"notification": 90}). A record past
its period is deleted when nothing else needs it, or has the person cut out when the statistics do
(appointments). Sessions and idempotency answers have their own, shorter purge (citizens/jobs.py).
Each purge reads its rows through an index (tests/test_sweep_plans.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Text, case, cast, delete, literal, select, update
from sqlalchemy.orm import Session

from miniapp_api.accounts import messages
from miniapp_api.appointments.models import (
    ACTIVE_STATUSES,
    LIVE_WAITLIST_STATUSES,
    Appointment,
    AppointmentItem,
    BookingSuspension,
    WaitlistEntry,
)
from miniapp_api.guidance.models import GuideMiss
from miniapp_api.identity.models import FaceVerification
from miniapp_api.notifications.models import FINAL_STATUSES, Notification
from miniapp_api.platform.clock import local_date
from miniapp_api.platform import audit as audit_trail
from miniapp_api.platform.audit import MIN_RETENTION_DAYS
from miniapp_api.policies.models import MatchTask

RETENTION_DAYS: dict[str, int] = {
    # Messages in the message centre, once final (sent, failed, skipped, cancelled): half a year.
    "notification": 180,
    # Face-check attempts: the result lives on the account; the attempt's encrypted name and number go soon.
    "face_verification": 30,
    # Ended waitlist entries, with their offers.
    "waitlist": 365,
    # Unanswered guidance questions (digits already masked): a year of the staff's to-do list.
    "guide_miss": 365,
    # Suspensions for no-shows, a year after they ended.
    "booking_suspension": 365,
    # Ended appointments keep their times, items and outcome for the statistics; the person is cut out.
    "appointment_person": 1095,
    # 政策快享 matching chunks, once done: a month, for looking into a run.
    "policy_match_task": 30,
    # The audit log: three years (the Cybersecurity Law asks for at least six months of logs). Set with
    # AUDIT_RETENTION_DAYS, never below platform.audit.MIN_RETENTION_DAYS; pruned whole sealed days at a time.
    "audit_log": 1095,
}


def _erased(column):
    return literal("erased:") + cast(column, Text)


def cut_person_out(session: Session, appointment_ids, *, only_hashes: list[str] | None = None) -> int:
    """Appointments keep their times, items and outcome; the person goes: name, the encrypted numbers of anyone
    booked for, the keyed hashes (`erased:<id>`). With `only_hashes`, whom a no-show counts against is erased
    only when it is one of those (another account's booking keeps its own accountability)."""
    accountable = _erased(Appointment.id) if only_hashes is None else case(
        (Appointment.accountable_hash.in_(only_hashes), _erased(Appointment.id)), else_=Appointment.accountable_hash)
    session.execute(update(AppointmentItem).where(AppointmentItem.appointment_id.in_(appointment_ids))
                    .values(person_hash=_erased(AppointmentItem.appointment_id)))
    return session.execute(update(Appointment).where(Appointment.id.in_(appointment_ids)).values(
        person_name=messages.ERASED_NAME, proxy_id_number_enc=None, proxy_phone_enc=None, named_id_hash=None,
        person_hash=_erased(Appointment.id), accountable_hash=accountable)).rowcount


def periods(overrides: dict[str, int] | None = None) -> dict[str, int]:
    unknown = set(overrides or {}) - set(RETENTION_DAYS)
    if unknown:
        raise ValueError(f"unknown retention kinds: {sorted(unknown)}")
    chosen = {**RETENTION_DAYS, **(overrides or {})}
    if chosen["audit_log"] < MIN_RETENTION_DAYS:
        raise ValueError(f"audit rows are kept at least {MIN_RETENTION_DAYS} days (asked: {chosen['audit_log']})")
    return chosen


def purge(session: Session, now: datetime, overrides: dict[str, int] | None = None) -> dict[str, int]:
    """One pass over every kind; what each removed or anonymised. Safe to run twice."""
    days = periods(overrides)

    def before(kind: str) -> datetime:
        return now - timedelta(days=days[kind])

    done = {}
    done["notification"] = session.execute(delete(Notification).where(
        Notification.created_at < before("notification"), Notification.status.in_(FINAL_STATUSES))).rowcount
    done["face_verification"] = session.execute(delete(FaceVerification).where(
        FaceVerification.created_at < before("face_verification"))).rowcount
    done["waitlist"] = session.execute(delete(WaitlistEntry).where(
        WaitlistEntry.date_to < local_date(before("waitlist")),
        WaitlistEntry.status.not_in(LIVE_WAITLIST_STATUSES))).rowcount
    done["guide_miss"] = session.execute(delete(GuideMiss).where(
        GuideMiss.day < local_date(before("guide_miss")))).rowcount
    done["booking_suspension"] = session.execute(delete(BookingSuspension).where(
        BookingSuspension.until < before("booking_suspension"))).rowcount
    done["appointment_person"] = cut_person_out(session, select(Appointment.id).where(
        Appointment.ends_at < before("appointment_person"), Appointment.status.not_in(ACTIVE_STATUSES),
        Appointment.person_name != messages.ERASED_NAME).scalar_subquery())
    done["policy_match_task"] = session.execute(delete(MatchTask).where(
        MatchTask.created_at < before("policy_match_task"), MatchTask.done_at.is_not(None))).rowcount
    done["audit_log"] = audit_trail.prune(session, now, days["audit_log"])
    return done
