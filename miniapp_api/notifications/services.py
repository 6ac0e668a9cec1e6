"""Writing notifications (the outbox), consents, and the in-app message centre.

A notification row is written in the same transaction as the change that causes
it; when it is due now, its send job is enqueued after that transaction commits.
Later ones (reminders) are picked up by the due sweep at their time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import Row, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.notifications import messages
from miniapp_api.notifications.models import Notification, PushStatus, SmsOptOut, SubscriptionConsent
from miniapp_api.notifications.sms import sms_extras
from miniapp_api.notifications.templates import is_urgent, load_templates, template_fields
from miniapp_api.platform.clock import SHANGHAI, local_date
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform.unit_of_work import enqueue_after_commit

SEND_JOB = "miniapp_api.notifications.jobs.send_notification"
UNKNOWN_TEMPLATE = "unknown_template"
MESSAGE_NOT_FOUND = "message_not_found"
CONSENT_RESULTS = ("accept", "reject", "ban", "filter")
DAY_BEFORE_AT = time(18, 0)


def send_job_id(notification_id: int, enqueued_at: datetime) -> str:
    """Unique per enqueue: a re-enqueue by the sweep is a new job, the DB claim makes it harmless."""
    return f"notify-{notification_id}-{int(enqueued_at.timestamp())}"


@dataclass(frozen=True)
class Draft:
    """One notification to write: what `notify` takes, as a value, so that several go in one INSERT."""

    citizen_id: int
    kind: str
    context: dict[str, str]
    title: str
    body: str
    page: str | None
    deliver_after: datetime | None = None
    subject: tuple[str, int] | None = None
    cause_marker: str | None = None
    dedupe_key: str | None = None


# Every outbox row is written by this one statement, from a JSON array of rows (one bound parameter, so
# the SQL text is the same for one row or three and PostgreSQL keeps it prepared). The booking embeds it
# as a CTE in its own single write; `notify` runs it alone.
OUTBOX_INSERT = """
INSERT INTO notification (citizen_id, kind, subject_type, subject_id, cause_marker, dedupe_key, title, body, page,
                          fields, urgent, status, deliver_after, enqueued_at, attempts, deferrals)
SELECT citizen_id, kind, subject_type, subject_id, cause_marker, dedupe_key, title, body, page,
       fields, urgent, 'pending', deliver_after, enqueued_at, 0, 0
FROM jsonb_to_recordset(CAST(:outbox AS jsonb)) AS draft(
    citizen_id bigint, kind varchar, subject_type varchar, subject_id bigint, cause_marker varchar,
    dedupe_key varchar, title varchar, body text, page varchar, fields jsonb, urgent boolean,
    deliver_after timestamptz, enqueued_at timestamptz)
ON CONFLICT ON CONSTRAINT uq_notification_dedupe_key DO NOTHING
RETURNING id, enqueued_at"""


# The channel the outbox dispatcher (jobs/dispatcher.py) LISTENs on. A writer that leaves its due rows unclaimed
# (enqueued_at NULL) wakes it with pg_notify inside its own transaction: PostgreSQL delivers the wake-up only when
# that transaction commits, and never after a rollback.
OUTBOX_CHANNEL = "banshi_outbox"


def outbox_rows(drafts: list[Draft], now: datetime, *, claim: bool = True) -> str:
    """The drafts as the JSON array OUTBOX_INSERT reads. `claim`: rows due now are marked enqueued (this writer
    enqueues their jobs after commit); without it every row is left to the dispatcher and the due sweep."""
    rows = []
    for draft in drafts:
        deliver_after = draft.deliver_after or now
        rows.append(dict(
            citizen_id=draft.citizen_id, kind=draft.kind, subject_type=draft.subject[0] if draft.subject else None,
            subject_id=draft.subject[1] if draft.subject else None, cause_marker=draft.cause_marker,
            dedupe_key=draft.dedupe_key, title=draft.title, body=draft.body, page=draft.page,
            fields=template_fields(draft.kind, draft.context) | sms_extras(draft.kind, draft.context), urgent=is_urgent(draft.kind),
            deliver_after=deliver_after.isoformat(),
            enqueued_at=now.isoformat() if claim and deliver_after <= now else None))
    return json.dumps(rows, ensure_ascii=False)


def insert_drafts(session: Session, drafts: list[Draft], now: datetime) -> list[int]:
    """Write the drafts (skipping any whose dedupe_key exists) and enqueue those due now; the ids written."""
    written = session.execute(text(OUTBOX_INSERT), {"outbox": outbox_rows(drafts, now)}).all()
    enqueue_sends(session, [row.id for row in written if row.enqueued_at is not None], now)
    return [row.id for row in written]


def enqueue_sends(session: Session, notification_ids: list[int], now: datetime) -> None:
    """Send jobs, after commit, for rows written due now (the due sweep takes the later ones)."""
    for notification_id in notification_ids:
        enqueue_after_commit(session, "notify", SEND_JOB, notification_id,
                             job_id=send_job_id(notification_id, now), result_ttl=0)


def notify(session: Session, *, citizen_id: int, kind: str, context: dict[str, str], title: str, body: str,
           page: str | None, now: datetime, deliver_after: datetime | None = None,
           subject: tuple[str, int] | None = None, cause_marker: str | None = None,
           dedupe_key: str | None = None) -> Notification | None:
    """Write one notification; None when one with the same dedupe_key already exists."""
    draft = Draft(citizen_id=citizen_id, kind=kind, context=context, title=title, body=body, page=page,
                  deliver_after=deliver_after, subject=subject, cause_marker=cause_marker, dedupe_key=dedupe_key)
    written = insert_drafts(session, [draft], now)
    return session.get(Notification, written[0]) if written else None


def cancel_pending(session: Session, subject: tuple[str, int], reason: str) -> int:
    """Its cause is gone: pending messages about it are never sent (checked again at send time)."""
    result = session.execute(update(Notification).where(
        Notification.subject_type == subject[0], Notification.subject_id == subject[1],
        Notification.status == PushStatus.PENDING).values(status=PushStatus.CANCELLED, status_reason=reason))
    return result.rowcount or 0


# --- consents -------------------------------------------------------------------------------


def record_consents(session: Session, citizen_id: int, results: dict[str, str], now: datetime) -> None:
    """Store what wx.requestSubscribeMessage answered, per template id."""
    templates = {t.template_id: t for t in load_templates().values()}
    for template_id, result in results.items():
        template = templates.get(template_id)
        if template is None:
            message = messages.UNKNOWN_TEMPLATE.format(template_id=template_id)
            raise DomainError(message, code=UNKNOWN_TEMPLATE, status=422, fields={f"results.{template_id}": message})
        accepted = result == "accept"
        grant = 1 if accepted and not template.long_term else 0
        session.execute(insert(SubscriptionConsent).values(
            citizen_id=citizen_id, template_id=template_id, long_term=accepted and template.long_term,
            one_time_balance=grant, last_result=result, updated_at=now,
        ).on_conflict_do_update(constraint="uq_consent_citizen_template", set_={
            "long_term": accepted and template.long_term,
            "one_time_balance": SubscriptionConsent.one_time_balance + grant if accepted else 0,
            "last_result": result, "updated_at": now}))


def consents_of(session: Session, citizen_id: int) -> dict[str, SubscriptionConsent]:
    rows = session.scalars(select(SubscriptionConsent).where(SubscriptionConsent.citizen_id == citizen_id))
    return {row.template_id: row for row in rows}


# --- in-app message centre ------------------------------------------------------------------


def visible_messages(citizen_id: int, now: datetime):
    """What the message centre shows: delivered by now (a reminder due later is not there yet), not cancelled."""
    return (Notification.citizen_id == citizen_id, Notification.deliver_after <= now,
            Notification.status != PushStatus.CANCELLED)


# What the message centre shows of a notification (notifications/schemas.py MessageOut.values reads these names).
MESSAGE_COLUMNS = (Notification.id, Notification.kind, Notification.title, Notification.body, Notification.page,
                   Notification.read_at, Notification.status, Notification.channel, Notification.deliver_after)


def list_messages(session: Session, citizen_id: int, now: datetime, *, limit: int,
                  before_id: int | None = None) -> tuple[list[Row], int]:
    """The message centre's page (Core rows of the columns it shows, newest first) and the unread count."""
    statement = select(*MESSAGE_COLUMNS).where(*visible_messages(citizen_id, now))
    if before_id:
        statement = statement.where(Notification.id < before_id)
    rows = list(session.execute(statement.order_by(Notification.id.desc()).limit(limit)))
    return rows, unread_count(session, citizen_id, now)


def unread_count(session: Session, citizen_id: int, now: datetime) -> int:
    """The message centre's badge: delivered, not cancelled, not read."""
    return session.scalar(select(func.count()).select_from(Notification)
                          .where(*visible_messages(citizen_id, now), Notification.read_at.is_(None))) or 0


def mark_read(session: Session, citizen_id: int, message_id: int | None, now: datetime, *,
              until: datetime | None = None) -> int:
    """One message, or all the citizen's delivered ones (`until`: delivered by then, when the page read its list)."""
    statement = update(Notification).where(*visible_messages(citizen_id, now), Notification.read_at.is_(None))
    if until is not None:
        statement = statement.where(Notification.deliver_after <= until)
    if message_id is not None:
        exists = session.scalar(select(Notification.id).where(Notification.id == message_id,
                                                              *visible_messages(citizen_id, now)))
        if exists is None:
            raise NotFound(messages.MESSAGE_NOT_FOUND, code=MESSAGE_NOT_FOUND)
        statement = statement.where(Notification.id == message_id)
    return session.execute(statement.values(read_at=now)).rowcount or 0


def day_before_reminder_time(starts_at: datetime) -> datetime:
    return datetime.combine(local_date(starts_at) - timedelta(days=1), DAY_BEFORE_AT, SHANGHAI)


# --- SMS preferences (我的 → 短信提醒) ------------------------------------------------------------------------


def sms_opt_outs(session: Session, citizen_id: int) -> set[str]:
    return set(session.scalars(select(SmsOptOut.kind).where(SmsOptOut.citizen_id == citizen_id)))


def set_sms_opt_outs(session: Session, citizen_id: int, kinds: list[str]) -> None:
    session.execute(delete(SmsOptOut).where(SmsOptOut.citizen_id == citizen_id))
    session.add_all(SmsOptOut(citizen_id=citizen_id, kind=kind) for kind in kinds)
    session.flush()
