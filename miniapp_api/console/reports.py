"""报表 in the console: a manager or supervisor picks a report, centre (one of theirs, or all of them), period and
item, and gets an Excel workbook. Up to REPORT_DIRECT_ROWS detail rows come back at once; more are built by a job
whose page shows a progress bar (moved every 2 s by a small script asking `…/progress`, JSON) and then a download link good for 24 hours.
A refusal is answered on the form's own page, the errors at the fields and what was typed kept."""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask import Response, current_app, g, render_template, request
from pydantic import Field, ValidationError

from miniapp_api.console import messages
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import done, form_data
from miniapp_api.console.queries import centres_of
from miniapp_api.platform.auth import field_cipher
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import DomainError, field_errors
from miniapp_api.platform.schemas import Id, StrictIn
from miniapp_api.platform.storage import BlobMissing, StorageUnavailable
from miniapp_api.reports import messages as report_messages
from miniapp_api.reports import services as reports
from miniapp_api.staff import permissions
from miniapp_api.staff.services import audit, require_centre, visible_centre_ids

FIELDS = ("kind", "centre_id", "item_id", "date_from", "date_to")
# Which message a field's refusal shows, whatever pydantic found wrong with it.
FIELD_REFUSALS = {"kind": report_messages.KIND_REQUIRED, "centre_id": report_messages.CENTRE_UNKNOWN,
                  "item_id": report_messages.ITEM_UNKNOWN, "date_from": report_messages.DATE_REQUIRED,
                  "date_to": report_messages.DATE_REQUIRED}


class ReportForm(StrictIn):
    kind: str = Field(pattern="^(" + "|".join(reports.KINDS) + ")$")
    centre_id: Id | None = None          # none: all of one's centres
    item_id: Id | None = None
    date_from: date
    date_to: date


def _made_by() -> str:
    """The summary names the role, not the person."""
    return "、".join(messages.ROLE_NAMES.get(role, role) for role in g.staff.roles)


def _page(*, typed: dict, errors: dict[str, str] | None = None, status: int = 200):
    centre_ids = visible_centre_ids(db.session, g.staff)
    return render_template("console/reports.html", typed=typed, errors=errors or {},
                           kinds=report_messages.KIND_NAMES, centres=centres_of(db.session, g.staff),
                           items=reports.items_of_centres(db.session, centre_ids),
                           exports=reports.recent_exports(db.session, g.staff.id), today=today().isoformat(),
                           limit=current_app.config["REPORT_DIRECT_ROWS"]), status


def _checked(form: ReportForm) -> dict[str, str]:
    errors = {}
    if form.date_to < form.date_from:
        errors["date_to"] = report_messages.PERIOD_REVERSED
    elif (form.date_to - form.date_from).days >= reports.MAX_DAYS:
        errors["date_from"] = report_messages.PERIOD_TOO_LONG
    if form.date_to > today():
        errors["date_to"] = report_messages.PERIOD_IN_FUTURE
    if form.item_id and form.item_id not in {i for i, _ in reports.items_of_centres(
            db.session, visible_centre_ids(db.session, g.staff))}:
        errors["item_id"] = report_messages.ITEM_UNKNOWN
    return errors


@bp.get("/reports")
@page(*permissions.REPORTS)
def reports_page():
    until = today()
    return _page(typed={"date_from": (until - timedelta(days=29)).isoformat(), "date_to": until.isoformat()})


@bp.post("/reports")
@page(*permissions.REPORTS)
def report_export():
    typed = {name: request.form.get(name, "") for name in FIELDS}
    try:
        form = ReportForm.model_validate(form_data())
    except ValidationError as exc:
        errors = {k.split(".")[0]: v for k, v in field_errors(exc).items()}
        return _page(typed=typed, errors={k: FIELD_REFUSALS.get(k, v) for k, v in errors.items()}, status=422)
    if form.centre_id:
        require_centre(db.session, g.staff, form.centre_id)      # a forged centre is not found, as elsewhere
    errors = _checked(form)
    if errors:
        return _page(typed=typed, errors=errors, status=422)
    centre_ids = (form.centre_id,) if form.centre_id else tuple(sorted(visible_centre_ids(db.session, g.staff)))
    filters = reports.Filters(form.kind, centre_ids, form.date_from, form.date_to, form.item_id)
    rows = reports.count_rows(db.session, filters)
    detail = dict(centres=list(centre_ids), since=form.date_from.isoformat(), until=form.date_to.isoformat(),
                  item_id=form.item_id, rows=rows)
    if rows > current_app.config["REPORT_DIRECT_ROWS"]:
        export = reports.queue_export(db.session, staff_id=g.staff.id, made_by=_made_by(), filters=filters, rows=rows)
        audit(db.session, g.staff, "report.export", "report", form.kind, built="job", export_id=export.id, **detail)
        return done(messages.REPORT_QUEUED.format(rows=rows), "console.report_page", report_id=export.id)
    audit(db.session, g.staff, "report.export", "report", form.kind, built="direct", **detail)
    out = io.BytesIO()
    reports.write_workbook(out, db.session, filters, made_by=_made_by(), made_at=utcnow(), cipher=field_cipher())
    return Response(out.getvalue(), mimetype=reports.XLSX, headers={
        "Content-Disposition": f"attachment; filename={reports.file_name(filters)}"})


@bp.get("/reports/<int:report_id>")
@page(*permissions.REPORTS)
def report_page(report_id: int):
    export = reports.staff_export(db.session, g.staff.id, report_id)
    token = reports.link_token(current_app.config["SECRET_KEY"], export) if export.status == "done" else None
    return render_template("console/report.html", export=export, token=token, kinds=report_messages.KIND_NAMES,
                           expired=bool(export.expires_at and export.expires_at <= utcnow()),
                           working=export.status in reports.WORKING)


@bp.get("/reports/<int:report_id>/progress")
@page(*permissions.REPORTS)
def report_progress(report_id: int):
    """What the page's script asks every 2 seconds."""
    export = reports.staff_export(db.session, g.staff.id, report_id)
    return {"status": export.status, "rows_done": export.rows_done, "rows_total": export.rows_total,
            "finished": export.status not in reports.WORKING}


@bp.get("/reports/<int:report_id>/file/<token>")
@page(*permissions.REPORTS)
def report_download(report_id: int, token: str):
    export = reports.open_link(db.session, current_app.config["SECRET_KEY"], g.staff.id, report_id, token, utcnow())
    try:
        data = current_app.extensions["banshi.storage"].get(export.storage_key)
    except BlobMissing:
        raise reports.not_found() from None
    except StorageUnavailable:
        raise DomainError(report_messages.STORAGE_UNAVAILABLE, code=reports.REPORT_STORAGE_UNAVAILABLE,
                          status=503) from None
    audit(db.session, g.staff, "report.download", "report_export", export.id)
    return Response(data, mimetype=reports.XLSX, headers={
        "Content-Disposition": f"attachment; filename={reports.file_name(reports.filters_of(export))}"})
