"""Pushing one notification through WeChat: claimed once, sent at most once.

Each step commits on its own, so the row always tells the truth:
  pending → sending (claimed by exactly one worker: a conditional UPDATE)
  → sent | failed (with WeChat's reason) | skipped (in-app only) | cancelled (cause gone)
  → back to pending with a later deliver_after (quiet hours, retryable errors).
A worker that dies while `sending` leaves the row for the stuck sweep, which
marks it `unknown`: it may have reached the citizen, so it is never resent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import PHONE_CONTEXT
from miniapp_api.notifications.models import Notification, PushStatus, SmsOptOut, SubscriptionConsent
from miniapp_api.notifications.sms import SmsChannel, load_sms_templates, sms_params, wechat_fields
from miniapp_api.notifications.templates import template_for
from miniapp_api.platform.clock import SHANGHAI, local, local_date
from miniapp_api.sms import SmsError
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
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    retry_at: datetime | None = None


def in_quiet_hours(now: datetime) -> bool:
    hour = local(now).time()
    return hour >= QUIET_START or hour < QUIET_END


def quiet_hours_end(now: datetime) -> datetime:
    here = local(now)
    day = here.date() if here.time() < QUIET_END else here.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_END, SHANGHAI)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, 8 min."""
    return timedelta(seconds=30 * 2 ** max(0, attempts - 1))


@dataclass
class _Plan:
    """What the batch decided for one claimed row, written back in bulk."""

    row: Notification
    status: PushStatus | None = None
    reason: str | None = None
    values: dict = field(default_factory=dict)
    outcome: Outcome | None = None
    retry_at: datetime | None = None

    def end(self, outcome: Outcome, status: PushStatus, reason: str | None = None, **values) -> None:
        self.outcome, self.status, self.reason, self.values = outcome, status, reason, values


def _claim(session: Session, ids: list[int], now: datetime) -> list[Notification]:
    """Only pending, due rows; a row is claimed by exactly one worker (the conditional UPDATE)."""
    claimed = list(session.scalars(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.status == PushStatus.PENDING, Notification.deliver_after <= now)
        .values(status=PushStatus.SENDING, claimed_at=now, attempts=Notification.attempts + 1)
        .returning(Notification.id)))
    session.commit()
    if not claimed:
        return []
    return list(session.scalars(select(Notification).where(Notification.id.in_(claimed))
                                .order_by(Notification.id).execution_options(populate_existing=True)))


# subject type → which of these rows no longer have a cause (a reminder of an appointment since cancelled or
# moved). The domain that owns the subject registers its check at start (bootstrap), so the outbox never
# imports it.
CauseCheck = Callable[[Session, list[Notification]], set[int]]
_cause_checks: dict[str, CauseCheck] = {}


def check_causes_with(subject_type: str, check: CauseCheck) -> None:
    _cause_checks[subject_type] = check


def cause_checks() -> dict[str, CauseCheck]:
    return dict(_cause_checks)


def _gone_causes(session: Session, rows: list[Notification]) -> set[int]:
    gone: set[int] = set()
    for subject_type, check in _cause_checks.items():
        mine = [r for r in rows if r.subject_type == subject_type]
        if mine:
            gone |= check(session, mine)
    return gone


def _sent_today(session: Session, citizen_ids: set[int], now: datetime, *, sms: bool) -> Counter:
    """Messages sent to each citizen since local midnight, on WeChat or by SMS (each has its own cap)."""
    midnight = datetime.combine(local_date(now), time(0), SHANGHAI)
    by_channel = Notification.channel == "sms" if sms else Notification.channel.is_distinct_from("sms")
    return Counter(dict(session.execute(
        select(Notification.citizen_id, func.count()).where(
            Notification.citizen_id.in_(citizen_ids), Notification.status == PushStatus.SENT, by_channel,
            Notification.sent_at >= midnight).group_by(Notification.citizen_id)).tuples().all()))


def _take_consent(session: Session, consent: SubscriptionConsent | None) -> str | None:
    """'long_term', 'one_time' (one accept used up now), or None."""
    if consent is None or consent.last_result != "accept":
        return None
    if consent.long_term:
        return "long_term"
    used = session.execute(update(SubscriptionConsent).where(
        SubscriptionConsent.id == consent.id, SubscriptionConsent.one_time_balance > 0)
        .values(one_time_balance=SubscriptionConsent.one_time_balance - 1).returning(SubscriptionConsent.id)).first()
    return "one_time" if used else None


def _give_back(session: Session, consent: SubscriptionConsent, grant: str) -> None:
    """WeChat refused the message outright, so the one-time accept was not used."""
    if grant == "one_time":
        session.execute(update(SubscriptionConsent).where(SubscriptionConsent.id == consent.id)
                        .values(one_time_balance=SubscriptionConsent.one_time_balance + 1))


def _drop_consent(session: Session, consent: SubscriptionConsent) -> None:
    session.execute(update(SubscriptionConsent).where(SubscriptionConsent.id == consent.id)
                    .values(one_time_balance=0, long_term=False, last_result="refused_by_wechat"))


def _write_back(session: Session, plans: list[_Plan]) -> None:
    updates = [{"id": p.row.id, "status": p.status, "status_reason": p.reason, **p.values}
               for p in plans if p.status is not None]
    by_keys: dict[tuple, list[dict]] = {}
    for values in updates:  # one executemany per set of columns
        by_keys.setdefault(tuple(sorted(values)), []).append(values)
    for rows in by_keys.values():
        session.execute(update(Notification), rows)
    session.commit()


def deliver_batch(session: Session, gateway: WeChatGateway | None, ids: list[int], now: datetime,
                  *, chunk: int = 25, sms: SmsChannel | None = None) -> list[tuple[int, Result]]:
    """Push a batch: DB work in bulk, one WeChat call per message (WeChat has no batch send).

    Rows are claimed `chunk` at a time, just before they are sent, and their outcomes
    committed right after, so a worker dying mid-batch leaves at most one chunk in
    `sending` (those become `unknown`, never resent).
    """
    results: list[tuple[int, Result]] = []
    for start in range(0, len(ids), chunk):
        results.extend(_deliver_chunk(session, gateway, ids[start:start + chunk], now, sms))
    return results


class _SmsRecipients:
    """Who among a chunk's citizens may get an SMS of which kind: a verified phone, the kind not opted out,
    under the daily cap."""

    def __init__(self, session: Session, sms: SmsChannel, citizen_ids: set[int], now: datetime):
        self.sms, self.kinds = sms, load_sms_templates()
        self.phones = dict(session.execute(select(Citizen.id, Citizen.phone_enc).where(
            Citizen.id.in_(citizen_ids), Citizen.phone_verified_at.is_not(None), Citizen.phone_enc.is_not(None),
            Citizen.erased_at.is_(None))).tuples().all())
        self.opted_out = set(session.execute(select(SmsOptOut.citizen_id, SmsOptOut.kind).where(
            SmsOptOut.citizen_id.in_(citizen_ids))).tuples().all())
        self.sent = _sent_today(session, citizen_ids, now, sms=True)

    def phone_for(self, row: Notification) -> str | None:
        """The number to text, counted against the day's cap; None when SMS is not for this row."""
        citizen = row.citizen_id
        if (row.kind not in self.kinds or citizen not in self.phones or (citizen, row.kind) in self.opted_out
                or self.sent[citizen] >= self.sms.daily_cap):
            return None
        self.sent[citizen] += 1
        return self.sms.cipher.decrypt(self.phones[citizen], context=PHONE_CONTEXT)


def _deliver_chunk(session: Session, gateway: WeChatGateway | None, ids: list[int], now: datetime,
                   sms: SmsChannel | None = None) -> list[tuple[int, Result]]:
    rows = _claim(session, ids, now)
    plans = [_Plan(row) for row in rows]
    gone = _gone_causes(session, rows)
    citizen_ids = {row.citizen_id for row in rows}
    sent_today = _sent_today(session, citizen_ids, now, sms=False) if rows else Counter()
    openids = dict(session.execute(select(Citizen.id, Citizen.openid).where(Citizen.id.in_(citizen_ids))).tuples().all())
    consents = {(c.citizen_id, c.template_id): c for c in session.scalars(select(SubscriptionConsent).where(
        SubscriptionConsent.citizen_id.in_(citizen_ids)))}
    # Phones, opt-outs and today's texts are read only for a chunk holding a kind that may go by SMS (most
    # chunks, appointment reminders among them, never do).
    texting = (_SmsRecipients(session, sms, citizen_ids, now)
               if sms is not None and any(row.kind in load_sms_templates() for row in rows) else None)

    to_send: list[tuple[_Plan, str, SubscriptionConsent, str]] = []
    to_text: list[tuple[_Plan, str]] = []
    for plan in plans:
        row = plan.row
        if row.id in gone:
            plan.end(Outcome.CANCELLED, PushStatus.CANCELLED, "cause_gone")
        elif not row.urgent and in_quiet_hours(now):
            plan.end(Outcome.DEFERRED, PushStatus.PENDING, "quiet_hours", deliver_after=quiet_hours_end(now),
                     deferrals=row.deferrals + 1, attempts=row.attempts - 1, enqueued_at=None)
        elif sent_today[row.citizen_id] >= DAILY_PUSH_CAP:
            plan.end(Outcome.SKIPPED, PushStatus.SKIPPED, "daily_cap")
        else:
            template_id = template_for(row.kind).template_id
            consent = consents.get((row.citizen_id, template_id))
            grant = _take_consent(session, consent)
            phone = texting.phone_for(row) if grant is None and texting is not None else None
            if phone is not None:
                to_text.append((plan, phone))
            elif grant is None:
                plan.end(Outcome.SKIPPED, PushStatus.SKIPPED, "no_consent")
            else:
                sent_today[row.citizen_id] += 1
                to_send.append((plan, template_id, consent, grant))
    _write_back(session, [p for p in plans if p.status is not None])  # also commits the consents taken

    for plan, template_id, consent, grant in to_send:
        row = plan.row
        try:
            msgid = gateway.send_subscribe_message(openids[row.citizen_id], template_id, wechat_fields(row.fields),
                                                   page=row.page)
        except WeChatError as error:
            _plan_failure(session, plan, consent, grant, error, now)
        else:
            plan.end(Outcome.SENT, PushStatus.SENT, None, wechat_msgid=msgid, channel="wechat", sent_at=now)
    for plan, phone in to_text:
        row = plan.row
        try:
            serial = sms.gateway.send(phone, load_sms_templates()[row.kind].template_id,  # type: ignore[union-attr]
                                      sms_params(row.kind, row.fields), context=f"notification:{row.id}")
        except SmsError as error:
            _plan_sms_failure(plan, error, now)
        else:
            plan.end(Outcome.SENT, PushStatus.SENT, None, channel="sms", sms_serial=serial, sent_at=now)
    _write_back(session, [plan for plan, *_ in to_send] + [plan for plan, _ in to_text])
    return [(plan.row.id, Result(plan.outcome, plan.retry_at)) for plan in plans]


def deliver(session: Session, gateway: WeChatGateway, notification_id: int, now: datetime) -> Result:
    results = deliver_batch(session, gateway, [notification_id], now)
    return results[0][1] if results else Result(Outcome.NOT_CLAIMED)


def _plan_failure(session: Session, plan: _Plan, consent: SubscriptionConsent, grant: str, error: WeChatError,
                  now: datetime) -> None:
    row = plan.row
    reason = f"{error.errcode}: {error.errmsg}"[:200]
    if error.errcode == 43101:
        _drop_consent(session, consent)
        plan.end(Outcome.SKIPPED, PushStatus.SKIPPED, f"consent_refused ({reason})")
        return
    if error.maybe_delivered:
        # The message went out and no answer came back: WeChat may have delivered it (and used the consent).
        # Never resend; count it as unknown, as a worker lost mid-send is.
        log.warning("notification.unknown", id=row.id, kind=row.kind, error=error.errmsg)
        plan.end(Outcome.UNKNOWN, PushStatus.UNKNOWN, f"no answer after sending ({error.errmsg})"[:200])
        return
    _give_back(session, consent, grant)
    if not error.retryable:
        log.warning("notification.failed", id=row.id, kind=row.kind, errcode=error.errcode,
                    cause=FATAL_ERRCODES.get(error.errcode or 0, "refused"))
        plan.end(Outcome.FAILED, PushStatus.FAILED, reason)
    else:
        _retry_or_give_up(plan, reason, now)


def _retry_or_give_up(plan: _Plan, reason: str, now: datetime) -> None:
    row = plan.row
    if row.attempts >= MAX_ATTEMPTS:
        plan.end(Outcome.FAILED, PushStatus.FAILED, f"gave_up after {row.attempts} attempts ({reason})"[:200])
        return
    retry_at = now + backoff(row.attempts)
    plan.end(Outcome.RETRY, PushStatus.PENDING, f"retrying ({reason})"[:200], deliver_after=retry_at,
             enqueued_at=retry_at)
    plan.retry_at = retry_at


def _plan_sms_failure(plan: _Plan, error: SmsError, now: datetime) -> None:
    """As for WeChat: sent without an answer is unknown (never resent); throttled or unreachable is retried;
    a refusal (wrong or blacklisted number, the number's daily limit, an unapproved template) is final."""
    row, reason = plan.row, f"sms {error.code}: {error.message}"[:200]
    if error.maybe_delivered:
        log.warning("notification.unknown", id=row.id, kind=row.kind, channel="sms", error=error.code)
        plan.end(Outcome.UNKNOWN, PushStatus.UNKNOWN, f"no answer after sending ({reason})"[:200], channel="sms")
    elif error.retryable:
        _retry_or_give_up(plan, reason, now)
    else:
        log.warning("notification.failed", id=row.id, kind=row.kind, channel="sms", code=error.code)
        plan.end(Outcome.FAILED, PushStatus.FAILED, reason, channel="sms")


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
