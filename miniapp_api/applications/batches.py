"""批量办理 from an uploaded member list: the batch is created at once, its members by a worker in chunks (one
transaction each, so the console's progress bar moves and a killed worker resumes where it stopped), and the
business's agent is told once when every member is done."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapp_api.applications import messages
from miniapp_api.applications.models import Application, ApplicationBatch, ApplicationEvent
from miniapp_api.applications.services import (
    Applicant,
    S,
    add_batch_member,
    check_item_at_centre,
    new_batch,
)
from miniapp_api.businesses.services import agents_of
from miniapp_api.centres.services import get_item
from miniapp_api.notifications.services import notify
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.models import DomainEvent
from miniapp_api.platform.privacy import FieldCipher
from miniapp_api.platform.unit_of_work import enqueue_after_commit
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import require_centre

CHUNK = 100
MEMBERS_CONTEXT = "batch.members"
CREATE_JOB = "miniapp_api.applications.jobs.create_batch_members"   # by name: domains never import jobs


def agent_of(session: Session, credit_code: str | None) -> int | None:
    """The business's agent in the app (its representative first), who follows the batch on the phone."""
    if not credit_code:
        return None
    return next(iter(agents_of(session, credit_code, utcnow())), None)


def queue_batch(session: Session, cipher: FieldCipher, staff: Staff, *, item_code: str, centre_id: int, title: str,
                business_name: str, credit_code: str | None, members: list[Applicant],
                now: datetime) -> ApplicationBatch:
    """The batch row now (so its page exists at once), its members by the worker after the commit."""
    require_centre(session, staff, centre_id)
    item = get_item(session, item_code)
    check_item_at_centre(session, item, centre_id)
    batch = new_batch(session, staff, item=item, centre_id=centre_id, title=title, business_name=business_name,
                      credit_code=credit_code, agent_id=agent_of(session, credit_code), now=now)
    batch.member_total, batch.members_created, batch.import_status = len(members), 0, "queued"
    batch.members_enc = cipher.encrypt(json.dumps([m.__dict__ for m in members], ensure_ascii=False),
                                       context=MEMBERS_CONTEXT)
    session.flush()
    enqueue_after_commit(session, "default", CREATE_JOB, batch.id, job_id=f"batch-members-{batch.id}")
    return batch


def create_members_chunk(session: Session, cipher: FieldCipher, batch_id: int, now: datetime) -> bool:
    """Create the next chunk of members under the batch row's lock; True while some remain. The count moves
    in the same transaction as the rows, so a retry (or a second worker) continues exactly where it stopped."""
    batch = session.get(ApplicationBatch, batch_id, with_for_update=True)
    if batch is None or batch.import_status != "queued" or batch.members_enc is None:
        return False
    members = [Applicant(**m) for m in json.loads(cipher.decrypt(batch.members_enc, context=MEMBERS_CONTEXT))]
    staff = session.get(Staff, batch.created_by_staff_id) if batch.created_by_staff_id else None
    start = batch.members_created
    for member in members[start:start + CHUNK]:
        add_batch_member(session, cipher, staff, batch, member, now)
    batch.members_created = min(len(members), start + CHUNK)
    if batch.members_created >= len(members):
        batch.import_status, batch.members_enc = "done", None
    session.flush()
    return batch.import_status == "queued"


def on_completion(session: Session, events: list[DomainEvent]) -> None:
    """Consumer of `application.completed`: when the last member of a batch is done, its agent hears once."""
    batch_ids = set(session.scalars(select(Application.batch_id).where(
        Application.id.in_([e.subject_id for e in events]), Application.batch_id.is_not(None))))
    for batch_id in sorted(batch_ids):
        batch = session.get(ApplicationBatch, batch_id, with_for_update=True)
        if (batch is None or batch.completion_notified_at is not None or batch.import_status != "done"
                or batch.business_id is not None):    # filed online: its last branch told the agent (services)
            continue
        statuses = {status: count for status, count in session.execute(select(Application.status, func.count()).where(
            Application.batch_id == batch_id).group_by(Application.status))}
        if set(statuses) != {S.COMPLETED}:
            continue
        now = max(e.created_at for e in events)
        batch.completion_notified_at = now
        if batch.agent_citizen_id is None:
            continue
        outcomes = _outcomes(session, batch_id)
        notify(session, citizen_id=batch.agent_citizen_id, kind="application_status", now=now,
               title=messages.BATCH_DONE_TITLE,
               body=messages.BATCH_DONE_BODY.format(title=batch.title, reference=batch.reference,
                                                    count=statuses[S.COMPLETED], outcomes=outcomes),
               context={"item": batch.item.name, "reference": batch.reference, "status": "已办结",
                        "tip": "批量办件已全部办结"},
               page=None, subject=("batch", batch.id),
               dedupe_key=f"batch:{batch.id}:completed")


def _outcomes(session: Session, batch_id: int) -> str:
    """"138件准予、2件不予许可": how each member ended, from its decision on the timeline."""
    decided = Counter(session.scalars(select(ApplicationEvent.to_status).join(
        Application, Application.id == ApplicationEvent.application_id).where(
        Application.batch_id == batch_id, ApplicationEvent.to_status.in_((S.APPROVED, S.REJECTED)))))
    parts = [f"{decided[S.APPROVED]}件准予"] if decided[S.APPROVED] else []
    if decided[S.REJECTED]:
        parts.append(f"{decided[S.REJECTED]}件不予许可")
    return "、".join(parts) or "已办结"
