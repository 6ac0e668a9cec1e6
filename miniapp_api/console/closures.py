"""暂停服务 in the console: a manager closes their centre (or some windows) for a day or some hours, sees what
stands, and lifts it. The form is answered on its own page: a refusal shows its errors at the fields with what
was typed still there, and the first try without the confirmation says how many bookings the closure would
cancel."""

from __future__ import annotations

from datetime import date, time

from flask import g, render_template, request
from pydantic import Field, ValidationError
from sqlalchemy import text

from miniapp_api.appointments import closures
from miniapp_api.appointments.slots import COVERS
from miniapp_api.centres.services import get_centre, upcoming_closures, when_text
from miniapp_api.console import messages
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import done, form_data
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import DomainError, field_errors
from miniapp_api.platform.schemas import Id, StrictIn
from miniapp_api.staff import permissions
from miniapp_api.staff.services import require_centre

MANAGERS = permissions.CENTRE_SETUP


class ClosureForm(StrictIn):
    day: date
    reason: str = Field(min_length=2, max_length=100)
    from_time: time | None = None
    to_time: time | None = None
    window_ids: list[Id] = []
    confirm: bool = False   # a checkbox: absent when not ticked


def _affected(centre_id: int, form: ClosureForm) -> int:
    """How many bookings a closure of this form would cancel (a preview: the closure itself counts again)."""
    probe = text(f"""SELECT count(DISTINCT a.id) FROM appointment a
        JOIN appointment_slot l ON l.appointment_id = a.id JOIN slot s ON s.id = l.slot_id,
        (SELECT CAST(:centre AS bigint) AS centre_id, CAST(:day AS date) AS day, CAST(:windows AS bigint[]) AS window_ids,
                CAST(:from_time AS time) AS from_time, CAST(:to_time AS time) AS to_time) c
        WHERE a.status = 'booked' AND a.ends_at > :now AND s.closure_id IS NULL AND {COVERS}""")
    return db.session.scalar(probe, {"centre": centre_id, "day": form.day, "windows": form.window_ids or None,
                                     "from_time": form.from_time, "to_time": form.to_time, "now": utcnow()}) or 0


def _page(centre, *, typed: dict | None = None, errors: dict[str, str] | None = None, notice: str = "",
          status: int = 200):
    standing = upcoming_closures(db.session, centre.id, today())
    windows = {w.id: w.name for w in centre.windows}
    return render_template("console/closures.html", centre=centre, closures=standing, typed=typed or {},
                           errors=errors or {}, notice=notice, windows=windows,
                           when={c.id: when_text(c, windows) for c in standing},
                           today=today().isoformat()), status


@bp.get("/centres/<int:centre_id>/closures")
@page(*MANAGERS)
def closures_page(centre_id: int):
    require_centre(db.session, g.staff, centre_id)
    return _page(get_centre(db.session, centre_id))


@bp.post("/centres/<int:centre_id>/closures")
@page(*MANAGERS)
def close_centre(centre_id: int):
    require_centre(db.session, g.staff, centre_id)
    centre = get_centre(db.session, centre_id)
    typed = {key: request.form.get(key, "") for key in ("day", "reason", "from_time", "to_time")}
    typed["window_ids"] = request.form.getlist("window_ids")
    typed["confirm"] = bool(request.form.get("confirm"))
    try:
        form = ClosureForm.model_validate(form_data(many=("window_ids",)))
    except ValidationError as exc:
        errors = {k.split(".")[0]: v for k, v in field_errors(exc).items()}
        return _page(centre, typed=typed, errors=errors, status=422)
    if not form.confirm:
        count = _affected(centre.id, form)
        notice = messages.CLOSURE_PREVIEW.format(count=count) if count else messages.CLOSURE_PREVIEW_NONE
        return _page(centre, typed=typed, errors={"confirm": messages.CLOSURE_CONFIRM}, notice=notice, status=422)
    try:
        closed = closures.close(db.session, centre=centre, day=form.day, reason=form.reason, actor=f"staff:{g.staff.id}",
                                now=utcnow(), from_time=form.from_time, to_time=form.to_time,
                                window_ids=form.window_ids or None)
    except DomainError as exc:
        return _page(centre, typed=typed, errors=exc.fields or {"day": exc.message}, status=exc.status)
    return done(messages.CLOSED.format(cancelled=closed.cancelled, waitlist=closed.waitlist_ended),
                "console.closures_page", centre_id=centre.id)


@bp.post("/centres/<int:centre_id>/closures/<int:closure_id>/lift")
@page(*MANAGERS)
def reopen_centre(centre_id: int, closure_id: int):
    require_centre(db.session, g.staff, centre_id)
    centre = get_centre(db.session, centre_id)
    closures.lift(db.session, centre=centre, closure_id=closure_id, actor=f"staff:{g.staff.id}", now=utcnow())
    return done(messages.REOPENED, "console.closures_page", centre_id=centre.id)

