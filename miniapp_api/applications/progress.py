"""The progress read model: one application, its timeline, materials and batch counts in one query.

"Where is my application?" is the most frequent question citizens ask, so this read
path skips the ORM: PostgreSQL assembles the timeline and materials as JSON in a
single round trip, scoped in the same WHERE clause to what the caller may see.
Every view of an application (citizen, lookup, staff) renders through here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from miniapp_api.applications import messages
from miniapp_api.applications.models import CLOCK_RUNNING
from miniapp_api.applications.services import APPLICATION_NOT_FOUND
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, PHONE_CONTEXT
from miniapp_api.platform.clock import local_iso, utcnow
from miniapp_api.platform.errors import NotFound
from miniapp_api.platform.privacy import FieldCipher, mask_id_number, mask_phone

_QUERY = """
SELECT a.id, a.reference, a.status, a.due_on, a.paused_on, a.updated_at, a.applicant_type, a.applicant_name,
       a.accepted_on, a.time_limit_days, a.promise_text, a.delivery, a.pickup_place, a.pickup_hours, a.carrier,
       a.tracking_number, a.id_number_enc, a.phone_enc, a.credit_code, a.citizen_id, a.proxy_citizen_id,
       i.code AS item_code, i.name AS item_name, c.name AS centre_name, b.reference AS batch_reference,
       b.title AS batch_title, bc.reference AS bundle_reference,
       (SELECT json_agg(json_build_object('at', e.at, 'kind', e.kind, 'to_status', e.to_status,
                                          'public_note', e.public_note, 'internal_note', e.internal_note,
                                          'actor_name', e.actor_name) ORDER BY e.id)
          FROM application_event e
         WHERE e.application_id = a.id AND (e.visible_to_citizen OR :staff_view)) AS events,
       (SELECT json_agg(json_build_object('id', m.id, 'kind', m.kind, 'name', m.name, 'note', m.note,
                                          'due_on', m.due_on, 'received', m.received_at IS NOT NULL,
                                          'reported_at', m.citizen_reported_at) ORDER BY m.id)
          FROM application_material m WHERE m.application_id = a.id) AS materials,
       (SELECT json_object_agg(s.status, s.n)
          FROM (SELECT status, count(*) AS n FROM application WHERE batch_id = a.batch_id GROUP BY status) s
       ) AS batch_progress
  FROM application a
  JOIN service_item i ON i.id = a.item_id
  JOIN centre c ON c.id = a.centre_id
  LEFT JOIN application_batch b ON b.id = a.batch_id
  LEFT JOIN bundle_case bc ON bc.id = a.bundle_case_id
 WHERE {where}
"""
# As services._owned_by: the applicant, the proxy, the agent of a batch staff created, and whoever acts for the
# business of an online branch filing now (a link not ended, not run out, its citizen still face-verified).
_CITIZEN = text(_QUERY.format(where="""a.reference = :reference AND (a.citizen_id = :citizen_id
       OR a.proxy_citizen_id = :citizen_id OR (b.agent_citizen_id = :citizen_id AND b.business_id IS NULL)
       OR b.business_id IN (SELECT l.business_id FROM business_link l JOIN citizen lc ON lc.id = l.citizen_id
                             WHERE l.citizen_id = :citizen_id AND l.revoked_at IS NULL
                               AND (l.expires_at IS NULL OR l.expires_at > :now)
                               AND lc.verified_id_hash IS NOT NULL))"""))
_BY_ID = text(_QUERY.format(where="a.id = :application_id"))


def _local(value: str | None) -> str | None:
    return local_iso(datetime.fromisoformat(value)) if value else None


def render(row: Any, today: date, *, staff_view: bool = False, cipher: FieldCipher | None = None) -> dict:
    """The ApplicationOut (or StaffApplicationOut) document from one row of the query."""
    due_on = row.due_on
    names = messages.STATUS_NAMES if staff_view else messages.CITIZEN_STATUS_NAMES
    overdue = row.status in CLOCK_RUNNING and due_on is not None and due_on < today
    document: dict[str, Any] = {
        "id": row.id, "reference": row.reference, "item_code": row.item_code, "item_name": row.item_name,
        "centre_name": row.centre_name, "status": row.status, "status_name": names[row.status],
        "due_on": due_on.isoformat() if due_on else None, "overdue": overdue, "paused": row.paused_on is not None,
        "updated_at": local_iso(row.updated_at), "bundle_reference": row.bundle_reference,
        "applicant_type": row.applicant_type,
        "applicant_name": row.applicant_name,
        "accepted_on": row.accepted_on.isoformat() if row.accepted_on else None,
        "time_limit_working_days": row.time_limit_days, "promise_text": row.promise_text,
        "materials": [{"id": m["id"], "kind": m["kind"], "name": m["name"], "note": m["note"], "due_on": m["due_on"],
                       "received": m["received"], "reported_by_citizen_at": _local(m["reported_at"]),
                       "overdue": not m["received"] and date.fromisoformat(m["due_on"]) < today}
                      for m in row.materials or []],
        "delivery": {"method": row.delivery, "pickup_place": row.pickup_place, "pickup_hours": row.pickup_hours,
                     "carrier": row.carrier, "tracking_number": row.tracking_number},
        "timeline": [{"at": _local(e["at"]), "kind": e["kind"], "title": messages.EVENT_NAMES.get(e["kind"], e["kind"]),
                      "status": e["to_status"],
                      "status_name": names.get(e["to_status"]) if e["to_status"] else None,
                      "note": e["public_note"], "by": e["actor_name"] if staff_view else None,
                      "internal_note": e["internal_note"] if staff_view else None}
                     for e in row.events or []],
        "batch": {"reference": row.batch_reference, "title": row.batch_title, "progress": row.batch_progress}
        if row.batch_reference else None,
    }
    if staff_view:
        assert cipher is not None
        id_number = cipher.decrypt(row.id_number_enc, context=ID_NUMBER_CONTEXT) if row.id_number_enc else None
        phone = cipher.decrypt(row.phone_enc, context=PHONE_CONTEXT) if row.phone_enc else None
        document.update(id_number_masked=mask_id_number(id_number) if id_number else None,
                        phone_masked=mask_phone(phone) if phone else None, credit_code=row.credit_code,
                        linked_to_citizen=row.citizen_id is not None or row.proxy_citizen_id is not None)
    return document


def for_citizen(session: Session, citizen_id: int, reference: str, today: date,
                now: datetime | None = None) -> dict:
    row = session.execute(_CITIZEN, {"reference": reference, "citizen_id": citizen_id, "staff_view": False,
                                     "now": now or utcnow()}).first()
    if row is None:
        raise NotFound(messages.APPLICATION_NOT_FOUND, code=APPLICATION_NOT_FOUND)
    return render(row, today)


def by_id(session: Session, application_id: int, today: date, *, staff_view: bool = False,
          cipher: FieldCipher | None = None) -> dict:
    """For callers that already checked access (lookup's second factor, staff scope)."""
    session.flush()
    row = session.execute(_BY_ID, {"application_id": application_id, "staff_view": staff_view}).one()
    return render(row, today, staff_view=staff_view, cipher=cipher)
