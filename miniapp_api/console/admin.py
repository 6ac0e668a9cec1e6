"""Console pages for managers and admins: centre setup, licence import, survey results, notifications."""

from __future__ import annotations

from flask import current_app, g, render_template, request
from pydantic import Field
from sqlalchemy import select

from miniapp_api.appointments import services as appointments
from miniapp_api.appointments import hours_and_windows
from miniapp_api.centres import calendar
from miniapp_api.centres.messages import WINDOW_KIND_NAMES
from miniapp_api.centres.models import ServiceItem
from miniapp_api.centres.schemas import (
    BookingPolicyIn,
    CalendarOverrideIn,
    NewWindowForm,
    PeriodForm,
    WindowForm,
)
from miniapp_api.centres.services import get_centre, set_booking_policy
from miniapp_api.console import messages, queries
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import done, form_data
from miniapp_api.console.forms import form_page, keeps_input
from miniapp_api.licences import services as licences
from miniapp_api.notifications.delivery import stats as notification_stats
from miniapp_api.notifications.kinds import KINDS
from miniapp_api.notifications.messages import PUSH_STATUS_NAMES
from miniapp_api.platform.auth import field_cipher
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform.schemas import Id, StrictIn
from miniapp_api.staff import permissions
from miniapp_api.staff.models import Role
from miniapp_api.staff.services import audit, require_centre, visible_centre_ids
from miniapp_api.surveys import results
from miniapp_api.surveys.services import live_survey

SUSPENSION_NOT_FOUND = "suspension_not_found"
CSV_ENCODING = "csv_encoding"

MANAGERS = permissions.CENTRE_SETUP
# Message kinds named as their messages are titled (the rating follow-ups share one kind).
KIND_NAMES = {name: kind.title for name, kind in KINDS.items()}   # every declared kind (notifications/kinds.py)


class LiftIn(StrictIn):
    reason: str = Field(min_length=2, max_length=200)


class ImportFormIn(StrictIn):
    centre_id: Id


@bp.get("/centres/<int:centre_id>")
@page(*MANAGERS)
def centre_setup(centre_id: int):
    require_centre(db.session, g.staff, centre_id)
    centre = get_centre(db.session, centre_id)
    overrides = calendar.recent_overrides(db.session, today())
    items = db.session.scalars(select(ServiceItem).order_by(ServiceItem.code)).all()
    return render_template("console/centre.html", centre=centre, labels=messages.POLICY_LABELS,
                           weekdays=messages.WEEKDAYS,
                           items=items, kinds=WINDOW_KIND_NAMES,
                           overrides=overrides, suspensions=appointments.active_suspensions(db.session, centre.id,
                                                                                             utcnow()),
                           warnings=calendar.open_warnings(db.session), is_admin=g.staff.has_role(Role.ADMIN))


@bp.post("/centres/<int:centre_id>/policy")
@page(*MANAGERS)
@keeps_input("console.centre_setup")
def centre_policy(centre_id: int):
    centre = _managed_centre(centre_id)
    body = BookingPolicyIn.model_validate(form_data())
    set_booking_policy(db.session, centre, body.model_dump(), f"staff:{g.staff.id}")
    return done(messages.POLICY_SAVED, "console.centre_setup", centre_id=centre_id)


def _managed_centre(centre_id: int):
    require_centre(db.session, g.staff, centre_id)
    return get_centre(db.session, centre_id)


@bp.post("/centres/<int:centre_id>/hours")
@page(*MANAGERS)
@keeps_input("console.centre_setup")
def hours_add(centre_id: int):
    centre = _managed_centre(centre_id)
    body = PeriodForm.model_validate(form_data())
    added = hours_and_windows.add_opening_period(db.session, centre, hours_and_windows.PeriodIn(body.weekday, body.opens, body.closes,
                                                                          body.label),
                                     actor=f"staff:{g.staff.id}", now=utcnow())
    return done(messages.PERIOD_ADDED.format(slots=added), "console.centre_setup", centre_id=centre_id)


@bp.post("/centres/<int:centre_id>/hours/<int:period_id>/delete")
@page(*MANAGERS)
@keeps_input("console.centre_setup")
def hours_remove(centre_id: int, period_id: int):
    centre = _managed_centre(centre_id)
    hours_and_windows.remove_opening_period(db.session, centre, period_id, actor=f"staff:{g.staff.id}", now=utcnow())
    return done(messages.PERIOD_REMOVED, "console.centre_setup", centre_id=centre_id)


@bp.post("/centres/<int:centre_id>/windows/<int:window_id>")
@page(*MANAGERS)
@keeps_input("console.centre_setup")
def window_update(centre_id: int, window_id: int):
    centre = _managed_centre(centre_id)
    window = hours_and_windows.centre_window(centre, window_id)
    body = WindowForm.model_validate(form_data(many=("item_codes",)))
    hours_and_windows.update_window(db.session, centre, window, counters=body.counters, item_codes=body.item_codes,
                        actor=f"staff:{g.staff.id}", now=utcnow())
    return done(messages.WINDOW_SAVED.format(name=window.name), "console.centre_setup", centre_id=centre_id)


@bp.post("/centres/<int:centre_id>/windows")
@page(*MANAGERS)
@keeps_input("console.centre_setup")
def window_add(centre_id: int):
    centre = _managed_centre(centre_id)
    body = NewWindowForm.model_validate(form_data(many=("item_codes",)))
    window = hours_and_windows.add_window(db.session, centre, name=body.name, kind=body.kind, counters=body.counters,
                              slot_minutes=body.slot_minutes, item_codes=body.item_codes,
                              actor=f"staff:{g.staff.id}", now=utcnow())
    return done(messages.WINDOW_ADDED.format(name=window.name), "console.centre_setup", centre_id=centre_id)


@bp.post("/centres/<int:centre_id>/calendar")
@page(*permissions.CALENDAR)
@keeps_input("console.centre_setup")
def calendar_override(centre_id: int):
    """The working-day calendar is national: only admins change it (the page just hosts the form)."""
    body = CalendarOverrideIn.model_validate(form_data())
    calendar.set_override(db.session, body.day, is_workday=body.is_workday, note=body.note)
    audit(db.session, g.staff, "calendar_override", "calendar", body.day.isoformat(), is_workday=body.is_workday)
    return done(messages.DAY_SET.format(day=body.day.isoformat(),
                                         kind=messages.WORKDAY if body.is_workday else messages.RESTDAY),
                "console.centre_setup", centre_id=centre_id)


@bp.post("/centres/<int:centre_id>/suspensions/<int:suspension_id>/lift")
@page(*MANAGERS)
@keeps_input("console.centre_setup")
def lift_suspension(centre_id: int, suspension_id: int):
    require_centre(db.session, g.staff, centre_id)
    if suspension_id not in {s.id for s in appointments.active_suspensions(db.session, centre_id, utcnow())}:
        raise NotFound(messages.SUSPENSION_NOT_FOUND, code=SUSPENSION_NOT_FOUND)
    body = LiftIn.model_validate(form_data())
    appointments.lift_suspension(db.session, suspension_id=suspension_id, actor=f"staff:{g.staff.id}",
                                 reason=body.reason, now=utcnow())
    return done(messages.SUSPENSION_LIFTED, "console.centre_setup", centre_id=centre_id)


@bp.route("/licences/import", methods=["GET", "POST"])
@page(*MANAGERS)
def licence_import():
    """All or nothing; a refused file answers this page with its errors by line and the chosen centre kept."""
    centres = queries.centres_of(db.session, g.staff)
    return form_page(lambda: _import_licences(centres),
                     lambda: render_template("console/licence_import.html", centres=centres, report=None))


def _import_licences(centres):
    body = ImportFormIn.model_validate(form_data())
    upload = request.files.get("file")
    raw = upload.read() if upload else b""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(messages.CSV_NOT_UTF8,
                                   code=CSV_ENCODING, status=422, fields={"file": messages.CSV_ENCODING_FIELD}) from None
    report = licences.import_for_staff(db.session, field_cipher(), g.staff, text, centre_id=body.centre_id,
                                       now=utcnow())
    return render_template("console/licence_import.html", centres=centres, report=report)


@bp.get("/surveys")
@page(*permissions.SURVEY_RESULTS)
def survey_results():
    code = request.args.get("code", "service")
    code = code if code in ("service", "revisit") else "service"
    rows = results.survey_results(db.session, code, "centre", visible_centre_ids(db.session, g.staff), None, None)
    names = {c.id: c.name for c in queries.centres_of(db.session, g.staff)}
    survey = live_survey(db.session, code)
    questions = [q for q in (survey.questions if survey else []) if q["kind"] in ("scale", "yes_no")]
    return render_template("console/surveys.html", code=code, rows=rows, names=names, questions=questions)


@bp.get("/notifications")
@page(*permissions.NOTIFICATIONS)
def notifications():
    rows = notification_stats(db.session)
    kinds: dict[str, dict[str, int]] = {}
    for kind, status, count in rows:
        kinds.setdefault(kind, {})[status] = count
    statuses = sorted({status for _, status, _ in rows})
    return render_template("console/notifications.html", kinds=kinds, statuses=statuses, kind_names=KIND_NAMES,
                           status_names=PUSH_STATUS_NAMES,
                           rq_dashboard="rq_dashboard" in current_app.blueprints)
