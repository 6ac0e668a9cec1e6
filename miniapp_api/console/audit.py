"""The audit log page (操作日志): search by staff member, action, subject, citizen and period; CSV export; the
chain's state from its last check. Admins see every row, a centre manager the rows about their centres
(staff/audit_log.py says which)."""

from __future__ import annotations

import re
from datetime import date

from flask import Response, g, render_template, request
from pydantic import Field, ValidationError, field_validator, model_validator
from sqlalchemy import or_, select

from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT
from miniapp_api.console import messages
from miniapp_api.console.blueprint import bp, page
from miniapp_api.platform import audit as audit_trail
from miniapp_api.platform.auth import field_cipher
from miniapp_api.platform.clock import today
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import field_errors
from miniapp_api.platform.schemas import QueryModel
from miniapp_api.staff import audit_log, permissions
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import audit

_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")


class AuditQuery(QueryModel):
    staff: str | None = Field(default=None, max_length=80)
    action: str | None = Field(default=None, max_length=60)
    subject_type: str | None = Field(default=None, max_length=40)
    subject_id: str | None = Field(default=None, max_length=80)
    id_number: str | None = Field(default=None, max_length=18)
    day_from: date | None = None
    day_to: date | None = None
    page: int = Field(default=1, ge=1, le=10_000)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str | None) -> str | None:
        if value is not None and not _ID_NUMBER.match(value):
            raise ValueError(messages.AUDIT_ID_NUMBER)
        return value.upper() if value else value

    @model_validator(mode="after")
    def _days_in_order(self) -> AuditQuery:
        if self.day_from and self.day_to and self.day_from > self.day_to:
            raise ValueError(messages.AUDIT_DAYS_ORDER)
        return self


class UnknownStaff(Exception):
    pass


def _filter(query: AuditQuery) -> audit_log.AuditFilter:
    staff_id = None
    if query.staff:
        staff_id = db.session.scalar(select(Staff.id).where(Staff.username == query.staff))
        if staff_id is None:
            raise UnknownStaff
    citizen_ids = None
    if query.id_number:
        number_hash = field_cipher().lookup_hash(query.id_number, context=ID_NUMBER_CONTEXT)
        citizen_ids = tuple(db.session.scalars(select(Citizen.id).where(or_(
            Citizen.verified_id_hash == number_hash, Citizen.id_number_hash == number_hash))))
    return audit_log.AuditFilter(staff_id=staff_id, action=query.action, subject_type=query.subject_type,
                                 subject_id=query.subject_id, citizen_ids=citizen_ids, day_from=query.day_from,
                                 day_to=query.day_to)


def _sent() -> dict[str, str]:
    """The search as sent: posted (an ID number never goes into a URL, a log or the browser's history), or the
    bare page."""
    source = request.form if request.method == "POST" else request.args
    return {key: value for key, value in source.items() if key != "csrf_token"}


def _typed() -> dict[str, str]:
    sent = _sent()
    return {name: sent.get(name, "") for name in messages.AUDIT_FIELD_LABELS}


def _page(errors: dict[str, str], rows=(), total: int = 0, current: int = 1, status: int = 200):
    check = audit_trail.last_check(db.session)
    return render_template("console/audit.html", rows=rows, total=total, page=current, errors=errors,
                           typed=_typed(), labels=messages.AUDIT_FIELD_LABELS, check=check,
                           action_names=messages.AUDIT_ACTION_NAMES,
                           pages=max(1, -(-total // audit_log.PAGE_SIZE)), today=today()), status


def _parsed() -> tuple[AuditQuery | None, audit_log.AuditFilter | None, dict[str, str]]:
    try:
        query = AuditQuery.model_validate(_sent())
        return query, _filter(query), {}
    except ValidationError as exc:
        # A check across fields (the days' order) has no field of its own: it is shown at the end date.
        return None, None, {("day_to" if k == "body" else k.split(".")[0]): v for k, v in field_errors(exc).items()}
    except UnknownStaff:
        return None, None, {"staff": messages.AUDIT_UNKNOWN_STAFF}


def _log_person_lookup(filters: audit_log.AuditFilter) -> None:
    """Looking a person up by ID number is a view of personal data."""
    for citizen_id in filters.citizen_ids or ():
        audit(db.session, g.staff, "audit_log.search_person", "citizen", citizen_id)


@bp.route("/audit", methods=["GET", "POST"])
@page(*permissions.AUDIT_LOG)
def audit_log_page():
    query, filters, errors = _parsed()
    if errors:
        return _page(errors, status=422)
    assert query is not None and filters is not None
    _log_person_lookup(filters)
    rows, total = audit_log.search(db.session, g.staff, filters, page=query.page)
    return _page({}, rows, total, query.page)


@bp.post("/audit.csv")
@page(*permissions.AUDIT_LOG)
def audit_log_export():
    query, filters, errors = _parsed()
    if errors:
        return _page(errors, status=422)
    assert filters is not None
    _log_person_lookup(filters)
    audit(db.session, g.staff, "audit_log.export", "audit_log", "csv",
          search={k: v for k, v in _typed().items() if v and k not in ("id_number", "page")})
    body = audit_log.export_csv(db.session, g.staff, filters)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=audit-log-{today().isoformat()}.csv"})
