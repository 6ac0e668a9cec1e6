"""我的预约 as Core rows: the list the mini-program asks for most, read in one statement (centre, window,
ticket and items joined) instead of ORM objects and a lazy load per relationship, and written by
`AppointmentOut.values` and orjson (platform/fast_json.py). Who may see which appointment is the same
`authority.visible` clause as services.list_appointments; a test compares the two documents.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from miniapp_api.appointments.models import Appointment, AppointmentItem, Ticket
from miniapp_api.appointments.services import _ACTIVE_STATUS_NAMES
from miniapp_api.authority import services as authority
from miniapp_api.centres.models import Centre, ServiceItem, Window
from miniapp_api.citizens.models import Citizen

_TICKET_WINDOW = aliased(Window)
_ITEMS = (select(func.coalesce(func.json_agg(aggregate_order_by(
              func.json_build_array(ServiceItem.code, ServiceItem.name), AppointmentItem.item_id)),
              literal_column("'[]'::json")))
          .select_from(AppointmentItem).join(ServiceItem, ServiceItem.id == AppointmentItem.item_id)
          .where(AppointmentItem.appointment_id == Appointment.id).correlate(Appointment)
          .scalar_subquery().label("items"))
_COLUMNS = (Appointment.id, Appointment.citizen_id, Appointment.status, Appointment.centre_id,
            Centre.name.label("centre_name"), Appointment.window_id, Window.name.label("window_name"),
            Appointment.starts_at, Appointment.ends_at, _ITEMS, Appointment.person_name, Appointment.proxy_relation,
            Appointment.proxy_phone_enc, Ticket.id.label("ticket_id"), Ticket.number.label("ticket_number"),
            Ticket.status.label("ticket_status"), Ticket.window_id.label("ticket_window_id"),
            _TICKET_WINDOW.name.label("ticket_window_name"), Appointment.rescheduled_to_id, Appointment.created_at)


def list_rows(session: Session, citizen_id: int, now: datetime, *, limit: int = 50) -> list[Row]:
    """What services.list_appointments lists, in its order, as rows of _COLUMNS."""
    actor = session.get(Citizen, citizen_id)
    return list(session.execute(
        select(*_COLUMNS)
        .join(Centre, Centre.id == Appointment.centre_id).join(Window, Window.id == Appointment.window_id)
        .outerjoin(Ticket, Ticket.appointment_id == Appointment.id)
        .outerjoin(_TICKET_WINDOW, _TICKET_WINDOW.id == Ticket.window_id)
        .where(authority.visible(
            actor, now, booker=Appointment.citizen_id, person=Appointment.person_hash,
            named=Appointment.named_id_hash, authorisation=Appointment.authorisation_id,
            named_live=Appointment.status.in_(_ACTIVE_STATUS_NAMES)))
        .order_by(Appointment.starts_at.desc()).limit(limit)))
