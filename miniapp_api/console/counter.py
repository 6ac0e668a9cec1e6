"""Console pages at the counter: today at my window, the hall's call screen, appointments by slot."""

from __future__ import annotations

import hashlib
from datetime import date

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup
from pydantic import BaseModel

from miniapp_api.appointments import queue
from miniapp_api.appointments.messages import STATUS_NAMES
from miniapp_api.appointments.presence import hall_code
from miniapp_api.appointments.schemas import CounterAction
from miniapp_api.appointments.staff_views import COUNTER_ROLES
from miniapp_api.centres.services import get_centre
from miniapp_api.console import messages, queries
from miniapp_api.console.blueprint import bp, page
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.schemas import Id, QueryModel
from miniapp_api.staff.services import require_centre

# What the call screen's QR holds: the mini-program's check-in reads the code after the prefix (wx.scanCode).
PRESENCE_QR = "BANSHI-HALL:{code}"


class DayQuery(QueryModel):
    centre_id: Id | None = None
    day: date | None = None


class TicketAction(BaseModel):
    action: CounterAction


def _queue(window: queue.CounterWindow) -> dict:
    """What the window page's queue region shows, and a version of it that changes when any ticket does."""
    tickets = queue.counter_tickets(db.session, window.id, utcnow())
    version = hashlib.sha256(repr(tickets).encode()).hexdigest()[:16]
    return {"window": window, "current": [t for t in tickets if t.status != "waiting"],
            "waiting": [t for t in tickets if t.status == "waiting"], "status_names": STATUS_NAMES,
            "version": version}


@bp.get("/windows/<int:window_id>")
@page(*COUNTER_ROLES)
def window_page(window_id: int):
    window = queue.staff_window(db.session, g.staff, window_id)
    return render_template("console/window.html", **_queue(window))


@bp.get("/windows/<int:window_id>/queue")
@page(*COUNTER_ROLES)
def window_queue(window_id: int):
    """The window page polls this every 5 s (short polling, not server-sent events: docs/console.md)."""
    window = queue.staff_window(db.session, g.staff, window_id)
    shown = _queue(window)
    called = [t.number for t in shown["current"]]
    summary = messages.QUEUE_NEWS.format(waiting=len(shown["waiting"]),
                                         current="、".join(called) if called else messages.QUEUE_NOBODY_CURRENT)
    return jsonify(version=shown["version"], summary=summary, waiting=len(shown["waiting"]), current=called,
                   html=render_template("console/_window_queue.html", **shown))


@bp.post("/windows/<int:window_id>/call-next")
@page(*COUNTER_ROLES)
def call_next(window_id: int):
    window = queue.staff_window(db.session, g.staff, window_id)
    ticket = queue.call_next(db.session, window_id=window.id, now=utcnow(),
                             near_ahead=current_app.config["QUEUE_NEAR_AHEAD"])
    flash(messages.CALLED.format(number=ticket.number, window=window.name) if ticket else messages.NOBODY_WAITING,
          "info")
    return redirect(url_for("console.window_page", window_id=window.id), code=303)


@bp.post("/windows/<int:window_id>/tickets/<int:ticket_id>")
@page(*COUNTER_ROLES)
def ticket_action(window_id: int, ticket_id: int):
    window = queue.staff_window(db.session, g.staff, window_id)
    action = TicketAction.model_validate({"action": request.form.get("action", "")}).action.value
    ticket = queue.COUNTER_ACTIONS[action](db.session, window_id=window.id, ticket_id=ticket_id, now=utcnow())
    flash(messages.ACTION_DONE[action].format(number=ticket.number), "info")
    return redirect(url_for("console.window_page", window_id=window.id), code=303)


@bp.get("/windows/<int:window_id>/screen")
@page(*COUNTER_ROLES)
def call_screen(window_id: int):
    """For the screen above the counter: the called number, large; refreshes itself."""
    window = queue.staff_window(db.session, g.staff, window_id)
    tickets = queue.counter_tickets(db.session, window.id, utcnow())
    called = [t for t in tickets if t.status == "called"]
    code = qr = None
    if get_centre(db.session, window.centre_id).presence_check:     # the code citizens scan to check in here
        code = hall_code(current_app.config["PRESENCE_KEY"], window.centre_id, utcnow())
        import segno   # imported by the check-in screen that draws a code, not by every web worker

        qr = segno.make(PRESENCE_QR.format(code=code), error="m").svg_inline(scale=5, title=messages.SCAN_TO_CHECK_IN)
    return render_template("console/screen.html", window=window, called=called, code=code, qr=Markup(qr or ""),
                           waiting=sum(1 for t in tickets if t.status == "waiting"))


@bp.get("/appointments")
@page()
def appointments():
    """A centre's day: who is booked when and whether they have come (今日预约), then seats per slot. Without a
    date it opens on the next day the centre is open (today when it opens today)."""
    query = DayQuery.model_validate(request.args.to_dict())
    centres = queries.centres_of(db.session, g.staff)
    centre_id = query.centre_id or (centres[0].id if centres else None)
    day, windows, bookings, closed = query.day or today(), [], [], None
    if centre_id is not None:
        require_centre(db.session, g.staff, centre_id)
        centre = get_centre(db.session, centre_id)
        day = query.day or queries.next_open_day(db.session, centre, today())
        closed = queries.closed_reason(db.session, centre, day)
        windows = queries.appointments_by_slot(db.session, centre_id, day)
        bookings = queries.day_bookings(db.session, centre_id, day)
    return render_template("console/appointments.html", centres=centres, centre_id=centre_id, day=day,
                           windows=windows, bookings=bookings, closed=closed, is_today=day == today())
