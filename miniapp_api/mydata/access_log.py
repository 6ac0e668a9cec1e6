"""查询记录: which staff looked at a citizen's records, from the audit rows of staff views of personal data.

The views the console and the staff API record (platform.audit via staff.services.audit), each mapped back to the
citizen through the record it names:

| action | subject | the citizen's when |
|---|---|---|
| view_application | application, by reference | they are its applicant (citizen_id) |
| filing.view | application, by id | the same |
| view_feedback | feedback, by id | they filed it |
| file.view | file, by id | they uploaded it |
| audit_log.search_person | citizen, by id | it is their account |

Only rows whose subject is one of the caller's own records are listed. Staff are shown by masked name, roles in
Chinese and the centre of the record (for a search of the log: the staff member's own centre). Each subject is
read through the audit log's (subject_type, subject_id) index, from the caller's own rows outwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, cast, func, literal, select, union_all
from sqlalchemy.orm import Session

from miniapp_api.applications.models import Application
from miniapp_api.centres.models import Centre
from miniapp_api.feedback.models import Feedback
from miniapp_api.files.models import FileAttachment, StoredFile
from miniapp_api.mydata import messages
from miniapp_api.platform.models import AuditLog
from miniapp_api.platform.privacy import mask_name
from miniapp_api.staff.models import Role, Staff, staff_centre

PAGE_SIZE = 20
ROLE_ORDER = (Role.WINDOW_STAFF, Role.FEEDBACK_HANDLER, Role.CENTRE_MANAGER, Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class Access:
    at: datetime
    what: str
    staff_name: str
    role: str
    centre: str


def _views_of(citizen_id: int):
    """(audit row id, centre id of the record) of every recorded staff view of the citizen's records."""
    def audited(action: str, subject_type: str, subject_id):
        return ((AuditLog.action == action) & (AuditLog.subject_type == subject_type)
                & (AuditLog.subject_id == subject_id))

    return union_all(
        select(AuditLog.id.label("audit_id"), Application.centre_id.label("centre_id"))
        .join(Application, audited("view_application", "application", Application.reference))
        .where(Application.citizen_id == citizen_id),
        select(AuditLog.id, Application.centre_id)
        .join(Application, audited("filing.view", "application", cast(Application.id, Text)))
        .where(Application.citizen_id == citizen_id),
        select(AuditLog.id, Feedback.centre_id)
        .join(Feedback, audited("view_feedback", "feedback", cast(Feedback.id, Text)))
        .where(Feedback.citizen_id == citizen_id),
        select(AuditLog.id, select(func.min(FileAttachment.centre_id))
               .where(FileAttachment.file_id == StoredFile.id).scalar_subquery())
        .join(StoredFile, audited("file.view", "file", cast(StoredFile.id, Text)))
        .where(StoredFile.owner_citizen_id == citizen_id),
        select(AuditLog.id, literal(None).label("centre_id"))
        .where(audited("audit_log.search_person", "citizen", str(citizen_id))),
    ).subquery()


def _role(staff: Staff | None) -> str:
    if staff is None:
        return messages.UNKNOWN_STAFF
    roles = [messages.ROLE_NAMES[role] for role in ROLE_ORDER if role in staff.roles]
    return "、".join(roles) or messages.UNKNOWN_STAFF


def accesses(session: Session, citizen_id: int, page: int) -> tuple[list[Access], int]:
    """One page of the staff views of the citizen's records, newest first, and how many there are in all."""
    views = _views_of(citizen_id)
    total = session.scalar(select(func.count()).select_from(views)) or 0
    rows = session.execute(select(AuditLog.created_at, AuditLog.action, AuditLog.actor, views.c.centre_id)
                           .join(views, views.c.audit_id == AuditLog.id).order_by(AuditLog.id.desc())
                           .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    staff_ids = {int(actor.split(":", 1)[1]) for _, _, actor, _ in rows if actor.startswith("staff:")}
    staff = {s.id: s for s in session.scalars(select(Staff).where(Staff.id.in_(staff_ids)))} if staff_ids else {}
    own_centre = dict(session.execute(select(staff_centre.c.staff_id, func.min(staff_centre.c.centre_id))
                                      .where(staff_centre.c.staff_id.in_(staff_ids))
                                      .group_by(staff_centre.c.staff_id)).tuples().all()) if staff_ids else {}
    centre_ids = {c for c in [*(r[3] for r in rows), *own_centre.values()] if c is not None}
    centres = dict(session.execute(select(Centre.id, Centre.name).where(Centre.id.in_(centre_ids))).tuples().all()
                   ) if centre_ids else {}
    listed = []
    for at, action, actor, centre_id in rows:
        member = staff.get(int(actor.split(":", 1)[1])) if actor.startswith("staff:") else None
        centre_id = centre_id if centre_id is not None else own_centre.get(member.id) if member else None
        listed.append(Access(at=at, what=messages.VIEW_NAMES.get(action, action),
                             staff_name=mask_name(member.display_name) if member else messages.UNKNOWN_STAFF,
                             role=_role(member), centre=centres.get(centre_id, messages.UNKNOWN_CENTRE)))
    return listed, total
