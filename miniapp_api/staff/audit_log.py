"""Reading the audit trail at the console: who may see which rows, the search, the CSV export.

Admins see every row. A centre manager sees the rows about their own centres, and only those whose centre is
written in the row itself: the subject is the centre (opening hours, windows, booking rules, licence imports),
or the detail names it (`centre_id`, e.g. a paper authorisation recorded at a counter). Any other row says
nothing certain about a centre, so only admins see it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from miniapp_api.platform.audit import day_end, day_start
from miniapp_api.platform.clock import local
from miniapp_api.platform.models import AuditLog
from miniapp_api.staff import messages
from miniapp_api.staff.models import Role, Staff
from miniapp_api.staff.services import visible_centre_ids

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000


@dataclass(frozen=True)
class AuditFilter:
    staff_id: int | None = None
    action: str | None = None           # an action, or its prefix with a trailing dot ("policy.")
    subject_type: str | None = None
    subject_id: str | None = None
    citizen_ids: tuple[int, ...] | None = None   # rows by or about these citizens (found by an ID number)
    day_from: date | None = None
    day_to: date | None = None


def _visible(session: Session, staff: Staff) -> ColumnElement[bool] | None:
    """None: every row (admins)."""
    if Role.ADMIN in staff.roles:
        return None
    if Role.CENTRE_MANAGER not in staff.roles:
        return false()
    centres = [str(c) for c in sorted(visible_centre_ids(session, staff))]
    return or_(and_(AuditLog.subject_type == "centre", AuditLog.subject_id.in_(centres)),
               AuditLog.detail["centre_id"].astext.in_(centres))


def _conditions(session: Session, staff: Staff, query: AuditFilter) -> list[ColumnElement[bool]]:
    where = []
    visible = _visible(session, staff)
    if visible is not None:
        where.append(visible)
    if query.staff_id is not None:
        where.append(AuditLog.actor == f"staff:{query.staff_id}")
    if query.action:
        where.append(AuditLog.action.startswith(query.action) if query.action.endswith(".")
                     else AuditLog.action == query.action)
    if query.subject_type:
        where.append(AuditLog.subject_type == query.subject_type)
    if query.subject_id:
        where.append(AuditLog.subject_id == query.subject_id)
    if query.citizen_ids is not None:
        ids = [str(i) for i in query.citizen_ids]
        where.append(or_(AuditLog.actor.in_([f"citizen:{i}" for i in ids]),
                         and_(AuditLog.subject_type == "citizen", AuditLog.subject_id.in_(ids)),
                         AuditLog.detail["citizen_id"].astext.in_(ids)))
    if query.day_from:
        where.append(AuditLog.created_at >= day_start(query.day_from))
    if query.day_to:
        where.append(AuditLog.created_at < day_end(query.day_to))
    return where


def search(session: Session, staff: Staff, query: AuditFilter, *, page: int = 1) -> tuple[list[AuditLog], int]:
    """One page of the rows the staff member may see, newest first, and how many there are in all."""
    where = _conditions(session, staff, query)
    total = session.scalar(select(func.count()).select_from(AuditLog).where(*where)) or 0
    rows = list(session.scalars(select(AuditLog).where(*where).order_by(AuditLog.id.desc())
                                .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return rows, total


def export_csv(session: Session, staff: Staff, query: AuditFilter) -> str:
    """The rows as CSV (UTF-8 with a BOM so spreadsheet programs read the Chinese), at most EXPORT_LIMIT."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(messages.AUDIT_CSV_HEADER)
    for row in session.scalars(select(AuditLog).where(*_conditions(session, staff, query))
                               .order_by(AuditLog.id.desc()).limit(EXPORT_LIMIT)):
        writer.writerow([row.id, local(row.created_at).strftime("%Y-%m-%d %H:%M:%S"), _safe(row.actor),
                         _safe(row.action), _safe(row.subject_type), _safe(row.subject_id),
                         _safe(_detail_text(row.detail)), row.digest or ""])
    return out.getvalue()


def _detail_text(detail: dict) -> str:
    return "; ".join(f"{key}={value}" for key, value in sorted((detail or {}).items()))


def _safe(value: str) -> str:
    """A cell a spreadsheet would run as a formula is quoted as text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
