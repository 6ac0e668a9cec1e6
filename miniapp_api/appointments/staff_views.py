"""Staff API for the counter: today's queue at a window, call next, recall, skip (过号), serve, finish."""

from __future__ import annotations

from flask import current_app, g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.appointments import queue
from miniapp_api.appointments.schemas import (
    CalledOut,
    CounterOut,
    CounterTicketOut,
    CounterTicketPath,
    TicketOut,
    WindowPath,
)
from miniapp_api.platform.auth import STAFF_BEARER
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.staff import permissions
from miniapp_api.staff.guards import staff_role

bp = APIBlueprint("staff_counter", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="窗口叫号（工作人员）", description="The calling queue at a counter")])
COUNTER_ROLES = permissions.COUNTER


def counter_view(window) -> dict:
    tickets = queue.counter_tickets(db.session, window.id, utcnow())
    return CounterOut(window_id=window.id, window_name=window.name, centre_name=window.centre_name,
                      waiting=sum(1 for t in tickets if t.status == "waiting"),
                      tickets=[CounterTicketOut.of(t) for t in tickets]).model_dump(mode="json")


@bp.get("/windows/<int:window_id>/queue", responses={200: CounterOut}, security=STAFF_BEARER)
@staff_role(*COUNTER_ROLES)
def show_counter(path: WindowPath):
    """Today's open tickets at the window: called and serving first, then checked-in appointments, then walk-ins."""
    return counter_view(queue.staff_window(db.session, g.staff, path.window_id))


@bp.post("/windows/<int:window_id>/call-next", responses={200: CalledOut}, security=STAFF_BEARER)
@staff_role(*COUNTER_ROLES)
def call_next(path: WindowPath):
    """Call the next person; two counters calling at once never get the same ticket."""
    window = queue.staff_window(db.session, g.staff, path.window_id)
    ticket = queue.call_next(db.session, window_id=window.id, now=utcnow(),
                             near_ahead=current_app.config["QUEUE_NEAR_AHEAD"])
    return CalledOut(ticket=TicketOut.of(ticket) if ticket else None).model_dump(mode="json")


@bp.post("/windows/<int:window_id>/tickets/<int:ticket_id>/<action>", responses={200: TicketOut},
         security=STAFF_BEARER)
@staff_role(*COUNTER_ROLES)
def act_on_ticket(path: CounterTicketPath):
    """recall (再次叫号), skip (过号, after 3 calls), start (开始办理), finish (办结: may invite a rating)."""
    window = queue.staff_window(db.session, g.staff, path.window_id)
    ticket = queue.COUNTER_ACTIONS[path.action.value](db.session, window_id=window.id, ticket_id=path.ticket_id,
                                                     now=utcnow())
    return TicketOut.of(ticket).model_dump(mode="json")
