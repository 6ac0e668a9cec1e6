"""远程踏勘: inspectors' calendars, scheduling a case's inspection, the applicant's evidence, the signed conclusion."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.applications import services as applications
from miniapp_api.applications.schemas import ApplicationPath
from miniapp_api.inspections import services
from miniapp_api.inspections.schemas import (
    ConclusionIn,
    EvidenceIn,
    InspectionOut,
    InspectionPath,
    ScheduleIn,
    SlotIn,
    InspectorSlotList,
    InspectorSlotOut,
)
from miniapp_api.platform.auth import STAFF_BEARER, citizen_required, signing_keys
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.staff import permissions
from miniapp_api.staff.guards import staff_role

bp = APIBlueprint("inspections", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="远程踏勘", description="The applicant's side of a remote site inspection")])
staff_bp = APIBlueprint("staff_inspections", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                        abp_tags=[Tag(name="远程踏勘（工作人员）", description="Calendars, scheduling, findings")])


@bp.get("/applications/<reference>/inspection", responses={200: InspectionOut}, security=[{"bearer": []}])
@citizen_required
def show_inspection(path: ApplicationPath):
    """The case's remote inspection: when, the video link, each checklist line with the photos uploaded."""
    return InspectionOut.of(services.for_citizen(db.session, g.citizen, path.reference), signing_keys())


@bp.post("/applications/<reference>/inspection/evidence", responses={200: InspectionOut}, security=[{"bearer": []}])
@citizen_required
def add_evidence(path: ApplicationPath, body: EvidenceIn):
    """Photos for one checklist line (uploaded with POST /files, purpose inspection), until it is concluded."""
    return InspectionOut.of(services.add_evidence(db.session, g.citizen, path.reference, body.line, body.file_ids,
                                                  utcnow()), signing_keys())


@staff_bp.post("/inspector-slots", responses={201: InspectorSlotOut}, security=STAFF_BEARER)
@staff_role(*permissions.INSPECTION)
def add_slot(body: SlotIn):
    """A time the caller offers for remote inspections at one of their centres."""
    slot = services.add_slot(db.session, g.staff, centre_id=body.centre_id, starts_at=body.starts_at,
                             minutes=body.minutes, now=utcnow())
    return InspectorSlotOut.of(slot), 201


@staff_bp.get("/inspector-slots", responses={200: InspectorSlotList}, security=STAFF_BEARER)
@staff_role(*permissions.INSPECTION)
def list_slots():
    """Free future times of the inspectors of the caller's centres."""
    return {"slots": [InspectorSlotOut.of(s) for s in services.free_slots(db.session, g.staff, utcnow())]}


@staff_bp.post("/applications/<reference>/inspection", responses={201: InspectionOut}, security=STAFF_BEARER)
@staff_role(*permissions.INSPECTION)
def schedule(path: ApplicationPath, body: ScheduleIn):
    """Schedule the case's remote inspection in a free inspector time (one inspection per time); the applicant is
    told when, the link and what to photograph."""
    application = applications.staff_application(db.session, g.staff, path.reference, lock=True)
    inspection = services.schedule(db.session, g.staff, application, slot_id=body.slot_id,
                                   video_link=body.video_link, now=utcnow())
    return InspectionOut.of(inspection, signing_keys()), 201


@staff_bp.get("/inspections/<int:inspection_id>", responses={200: InspectionOut}, security=STAFF_BEARER)
@staff_role(*permissions.INSPECTION)
def staff_show(path: InspectionPath):
    return InspectionOut.of(services.for_staff(db.session, g.staff, path.inspection_id), signing_keys())


@staff_bp.post("/inspections/<int:inspection_id>/conclusion", responses={200: InspectionOut}, security=STAFF_BEARER)
@staff_role(*permissions.INSPECTION)
def conclude(path: InspectionPath, body: ConclusionIn):
    """The assigned inspector's findings per line and the signed conclusion (pass, or back to 补正)."""
    inspection = services.for_staff(db.session, g.staff, path.inspection_id, lock=True)
    keys = signing_keys()
    return InspectionOut.of(services.conclude(db.session, keys, g.staff, inspection, body.to_findings(),
                                              body.conclusion, utcnow()), keys)
