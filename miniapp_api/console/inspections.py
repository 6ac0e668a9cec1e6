"""Console pages for 远程踏勘: the inspector's own inspections and free times (offer a new time), one inspection
with the applicant's photos per checklist line, and the findings form the inspector signs. Scheduling a case's
inspection is on the case's page."""

from __future__ import annotations

from datetime import datetime

from flask import g, render_template, request

from miniapp_api.applications import services as applications
from miniapp_api.console import messages, queries
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import done, file_links
from miniapp_api.console.forms import form_page, keeps_input
from miniapp_api.inspections import services
from miniapp_api.platform.auth import signing_keys
from miniapp_api.platform.clock import SHANGHAI, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import VALIDATION_FAILED, DomainError
from miniapp_api.staff import permissions


@bp.route("/inspections", methods=["GET", "POST"])
@page(*permissions.INSPECTION)
def inspection_list():
    return form_page(_add_slot, lambda: render_template(
        "console/inspections.html", inspections=services.staff_inspections(db.session, g.staff),
        slots=services.free_slots(db.session, g.staff, utcnow()), centres=queries.centres_of(db.session, g.staff)))


def _add_slot():
    try:
        starts_at = datetime.fromisoformat(request.form.get("starts_at", "")).replace(tzinfo=SHANGHAI)
        minutes = int(request.form.get("minutes") or 30)
    except ValueError:
        raise DomainError(messages.SLOT_FORM_INVALID, code=VALIDATION_FAILED, status=422,
                          fields={"starts_at": messages.SLOT_FORM_INVALID}) from None
    services.add_slot(db.session, g.staff, centre_id=int(request.form.get("centre_id") or 0), starts_at=starts_at,
                      minutes=max(10, min(minutes, 240)), now=utcnow())
    return done(messages.SLOT_ADDED, "console.inspection_list")


@bp.get("/inspections/<int:inspection_id>")
@page(*permissions.INSPECTION)
def inspection_page(inspection_id: int):
    inspection = services.for_staff(db.session, g.staff, inspection_id)
    evidence = {key: file_links(ids) for key, ids in inspection.evidence.items()}
    return render_template("console/inspection.html", i=inspection, evidence=evidence,
                           mine=inspection.inspector_staff_id == g.staff.id, seal=services.seal_of(signing_keys(), inspection))


@bp.post("/inspections/<int:inspection_id>/conclusion")
@page(*permissions.INSPECTION)
@keeps_input("console.inspection_page")
def inspection_conclude(inspection_id: int):
    inspection = services.for_staff(db.session, g.staff, inspection_id, lock=True)
    findings = {line["key"]: services.Finding(request.form.get(f"ok_{line['key']}") == "yes",
                                              (request.form.get(f"note_{line['key']}") or "").strip()[:200] or None)
                for line in inspection.checklist if request.form.get(f"ok_{line['key']}") in ("yes", "no")}
    services.conclude(db.session, signing_keys(), g.staff, inspection, findings, request.form.get("conclusion", ""), utcnow())
    return done(messages.INSPECTION_SIGNED, "console.inspection_page", inspection_id=inspection_id)


@bp.post("/applications/<reference>/inspection")
@page(*permissions.INSPECTION)
@keeps_input("console.application_page")
def inspection_schedule(reference: str):
    application = applications.staff_application(db.session, g.staff, reference, lock=True)
    link = (request.form.get("video_link") or "").strip() or None
    if link and not link.startswith("https://"):
        raise DomainError(messages.VIDEO_LINK_INVALID, code=VALIDATION_FAILED, status=422,
                          fields={"video_link": messages.VIDEO_LINK_INVALID})
    services.schedule(db.session, g.staff, application, slot_id=int(request.form.get("slot_id") or 0),
                      video_link=link, now=utcnow())
    return done(messages.INSPECTION_SCHEDULED, "console.application_page", reference=reference)


