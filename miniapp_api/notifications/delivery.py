"""Pushing one notification through WeChat: claimed once, sent at most once.

Each step commits on its own, so the row always tells the truth:
  pending → sending (claimed by exactly one worker: a conditional UPDATE)
  → sent | failed (with WeChat's reason) | skipped (in-app only) | cancelled (cause gone)
  → back to pending with a later deliver_after (quiet hours, retryable errors).
A worker that dies while `sending` leaves the row for the stuck sweep, which
marks it `unknown`: it may have reached the citizen, so it is never resent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from miniapp_api.appointments.models import Appointment, AppointmentStatus
from miniapp_api.citizens.models import Citizen
from miniapp_api.clock import SHANGHAI
from miniapp_api.notifications.appointments import cause_marker
from miniapp_api.notifications.models import Notification, PushStatus, SubscriptionConsent
from miniapp_api.notifications.templates import template_for
from miniapp_api.wechat import WeChatError, WeChatGateway

log = structlog.get_logger(__name__)

QUIET_START, QUIET_END = time(22, 0), time(8, 0)
DAILY_PUSH_CAP = 10
MAX_ATTEMPTS = 6
STUCK_AFTER = timedelta(minutes=10)
FATAL_ERRCODES = {47003: "data_invalid", 40037: "template_invalid", 40003: "openid_invalid",
                  41030: "page_invalid", 47001: "data_format"}


class Outcome(StrEnum):
    NOT_CLAIMED = "not_claimed"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    DEFERRED = "deferred"
    RETRY = "retry"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    retry_at: datetime | None = None


def in_quiet_hours(now: datetime) -> bool:
    local = now.astimezone(SHANGHAI).time()
    return local >= QUIET_START or local < QUIET_END


def quiet_hours_end(now: datetime) -> datetime:
    local = now.astimezone(SHANGHAI)
    day = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_END, SHANGHAI)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, 8 min."""
    return timedelta(seconds=30 * 2 ** max(0, attempts - 1))


def _claim(session: Session, notification_id: int, now: datetime) -> Notification | None:
    claimed = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == PushStatus.PENDING,
               Notification.deliver_after <= now)
        .values(status=PushStatus.SENDING, claimed_at=now, attempts=Notification.attempts + 1)
        .returning(Notification.id)).scalar_one_or_none()
    session.commit()
    return session.get(Notification, claimed, populate_existing=True) if claimed else None


def _finish(session: Session, row: Notification, status: PushStatus, reason: str | None = None, **values) -> None:
    row.status, row.status_reason = status, reason
    for name, value in values.items():
        setattr(row, name, value)
    session.commit()


def _cause_is_gone(session: Session, row: Notification) -> bool:
    if row.subject_type != "appointment" or not row.kind.startswith("appointment_reminder"):
        return False
    appointment = session.get(Appointment, row.subject_id)
    return (appointment is None or appointment.status != AppointmentStatus.BOOKED
            or cause_marker(appointment) != row.cause_marker)


def _pushes_today(session: Session, citizen_id: int, now: datetime) -> int:
    midnight = datetime.combine(now.astimezone(SHANGHAI).date(), time(0), SHANGHAI)
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.citizen_id == citizen_id, Notification.status == PushStatus.SENT,
        Notification.sent_at >= midnight)) or 0


def _take_consent(session: Session, citizen_id: int, template_id: str) -> str | None:
    """'long_term', 'one_time' (one accept used up now), or None. Committed before the send."""
    consent = session.scalars(select(SubscriptionConsent).where(
        SubscriptionConsent.citizen_id == citizen_id, SubscriptionConsent.template_id == template_id)).one_or_none()
    if consent is None or consent.last_result != "accept":
        return None
    if consent.long_term:
        return "long_term"
    used = session.execute(update(SubscriptionConsent).where(
        SubscriptionConsent.id == consent.id, SubscriptionConsent.one_time_balance > 0)
        .values(one_time_balance=SubscriptionConsent.one_time_balance - 1).returning(SubscriptionConsent.id)).first()
    session.commit()
    return "one_time" if used else None


def _give_back(session: Session, citizen_id: int, template_id: str, grant: str) -> None:
    """WeChat refused the message outright, so the one-time accept was not used."""
    if grant == "one_time":
        session.execute(update(SubscriptionConsent).where(
            SubscriptionConsent.citizen_id == citizen_id, SubscriptionConsent.template_id == template_id)
            .values(one_time_balance=SubscriptionConsent.one_time_balance + 1))


def _drop_consent(session: Session, citizen_id: int, template_id: str) -> None:
    session.execute(update(SubscriptionConsent).where(
        SubscriptionConsent.citizen_id == citizen_id, SubscriptionConsent.template_id == template_id)
        .values(one_time_balance=0, long_term=False, last_result="refused_by_wechat"))


def deliver(session: Session, gateway: WeChatGateway, notification_id: int, now: datetime) -> Result:
    row = _claim(session, notification_id, now)
    if row is None:
        return Result(Outcome.NOT_CLAIMED)
    if _cause_is_gone(session, row):
        _finish(session, row, PushStatus.CANCELLED, "cause_gone")
        return Result(Outcome.CANCELLED)
    if not row.urgent and in_quiet_hours(now):
        _finish(session, row, PushStatus.PENDING, "quiet_hours", deliver_after=quiet_hours_end(now),
                deferrals=row.deferrals + 1, attempts=row.attempts - 1, enqueued_at=None)
        return Result(Outcome.DEFERRED)
    if _pushes_today(session, row.citizen_id, now) >= DAILY_PUSH_CAP:
        _finish(session, row, PushStatus.SKIPPED, "daily_cap")
        return Result(Outcome.SKIPPED)
    template = template_for(row.kind)
    grant = _take_consent(session, row.citizen_id, template.template_id)
    if grant is None:
        _finish(session, row, PushStatus.SKIPPED, "no_consent")
        return Result(Outcome.SKIPPED)

    openid = session.scalar(select(Citizen.openid).where(Citizen.id == row.citizen_id))
    try:
        msgid = gateway.send_subscribe_message(openid, template.template_id, row.fields, page=row.page)
    except WeChatError as error:
        return _record_failure(session, row, template.template_id, grant, error, now)
    _finish(session, row, PushStatus.SENT, None, wechat_msgid=msgid, sent_at=now)
    return Result(Outcome.SENT)


def _record_failure(session: Session, row: Notification, template_id: str, grant: str, error: WeChatError,
                    now: datetime) -> Result:
    reason = f"{error.errcode}: {error.errmsg}"[:200]
    if error.errcode == 43101:
        _drop_consent(session, row.citizen_id, template_id)
        _finish(session, row, PushStatus.SKIPPED, f"consent_refused ({reason})")
        return Result(Outcome.SKIPPED)
    _give_back(session, row.citizen_id, template_id, grant)
    if not error.retryable:
        log.warning("notification.failed", id=row.id, kind=row.kind, errcode=error.errcode,
                    cause=FATAL_ERRCODES.get(error.errcode or 0, "refused"))
        _finish(session, row, PushStatus.FAILED, reason)
        return Result(Outcome.FAILED)
    if row.attempts >= MAX_ATTEMPTS:
        _finish(session, row, PushStatus.FAILED, f"gave_up after {row.attempts} attempts ({reason})")
        return Result(Outcome.FAILED)
    retry_at = now + backoff(row.attempts)
    _finish(session, row, PushStatus.PENDING, f"retrying ({reason})", deliver_after=retry_at, enqueued_at=retry_at)
    return Result(Outcome.RETRY, retry_at)


def due_for_enqueue(session: Session, now: datetime, *, limit: int = 5000, stale_after: timedelta = timedelta(minutes=5)) -> list[int]:
    """Pending rows whose time has come and that no job holds (never enqueued, or long ago).

    Marks them enqueued in the same statement; the caller commits, then enqueues.
    Covers reminders reaching their time, and recovery after a crash or a Redis outage at commit.
    """
    candidates = (select(Notification.id).where(
        Notification.status == PushStatus.PENDING, Notification.deliver_after <= now,
        (Notification.enqueued_at.is_(None)) | (Notification.enqueued_at < now - stale_after))
        .order_by(Notification.deliver_after).limit(limit).with_for_update(skip_locked=True))
    return list(session.scalars(update(Notification).where(Notification.id.in_(candidates.scalar_subquery()))
                                .values(enqueued_at=now).returning(Notification.id)))


def mark_stuck_unknown(session: Session, now: datetime) -> int:
    """A send claimed long ago and never finished: the worker died. Maybe delivered — never resend."""
    result = session.execute(update(Notification).where(
        Notification.status == PushStatus.SENDING, Notification.claimed_at < now - STUCK_AFTER)
        .values(status=PushStatus.UNKNOWN, status_reason="worker_lost_mid_send"))
    return result.rowcount or 0


def stats(session: Session) -> list[tuple[str, str, int]]:
    return [tuple(row) for row in session.execute(
        select(Notification.kind, Notification.status, func.count()).group_by(Notification.kind, Notification.status)
        .order_by(Notification.kind, Notification.status))]
