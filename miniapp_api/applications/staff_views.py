"""Staff API for applications: counter intake, state changes, materials, batches (批量办理)."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.applications import progress, services
from miniapp_api.applications.schemas import (
    AdvanceIn,
    ApplicationList,
    ApplicationPath,
    ApplicationSummary,
    BatchAdvanceIn,
    BatchAdvanceOut,
    BatchIn,
    BatchOut,
    BatchPath,
    IntakeIn,
    MaterialPath,
    StaffApplicationOut,
    StaffListQuery,
)
from miniapp_api.platform.auth import STAFF_BEARER, field_cipher, staff_required
from miniapp_api.platform.clock import local_date, today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.staff import permissions
from miniapp_api.staff.guards import staff_role
from miniapp_api.staff.services import require_centre

bp = APIBlueprint("staff_applications", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="办件管理（工作人员）", description="Counter intake and application progress")])
HANDLERS = permissions.APPLICATIONS


def staff_document(application) -> dict:
    return progress.by_id(db.session, application.id, today(), staff_view=True,
                          cipher=field_cipher())


@bp.post("/applications", responses={201: StaffApplicationOut}, security=STAFF_BEARER)
@staff_role(*HANDLERS)
def intake(body: IntakeIn):
    """Counter intake (收件), optionally accepted in the same step (受理 or 容缺受理)."""
    require_centre(db.session, g.staff, body.centre_id)
    application = services.intake(
        db.session, field_cipher(), g.staff, item_code=body.item_code, centre_id=body.centre_id,
        applicant=body.applicant.to_applicant(), now=utcnow(), window_id=body.window_id,
        appointment_id=body.appointment_id, accept=body.accept.to_advance() if body.accept else None)
    return staff_document(application), 201


@bp.get("/applications", responses={200: ApplicationList}, security=STAFF_BEARER)
@staff_required
def list_applications(query: StaffListQuery):
    """Applications in the caller's centres; filter by status, overdue, 容缺 materials past their deadline."""
    now = utcnow()
    rows = services.staff_applications(db.session, g.staff, services.StaffFilter(
        centre_id=query.centre_id, status=query.status.value if query.status else None, overdue=query.overdue,
        materials_overdue=query.materials_overdue, limit=query.limit, before_id=query.before_id), now)
    day = local_date(now)
    return {"applications": [ApplicationSummary(**ApplicationSummary.fields_of(a, day)).model_dump(mode="json")
                             for a in rows]}


@bp.get("/applications/<reference>", responses={200: StaffApplicationOut}, security=STAFF_BEARER)
@staff_required
def show_application(path: ApplicationPath):
    """The case with internal notes; personal numbers masked; the view is audit-logged."""
    application = services.staff_view(db.session, g.staff, path.reference)
    return staff_document(application)


@bp.post("/applications/<reference>/advance", responses={200: StaffApplicationOut}, security=STAFF_BEARER)
@staff_role(*HANDLERS)
def advance(path: ApplicationPath, body: AdvanceIn):
    """Change state along the state machine; illegal moves answer 409 `illegal_transition`."""
    application = services.staff_application(db.session, g.staff, path.reference, lock=True)
    services.advance(db.session, g.staff, application, body.to_advance(), utcnow())
    return staff_document(application)


@bp.post("/applications/<reference>/materials/<int:material_id>/received", responses={200: StaffApplicationOut},
         security=STAFF_BEARER)
@staff_role(*HANDLERS)
def receive_material(path: MaterialPath):
    """Mark a 容缺 or 补正 material as received; the last one stops the deadline reminders."""
    application = services.staff_application(db.session, g.staff, path.reference, lock=True)
    services.receive_material(db.session, g.staff, application, path.material_id, utcnow())
    return staff_document(application)


def _batch_out(batch) -> dict:
    day = today()
    members = services.batch_members(db.session, batch.id)
    return BatchOut(reference=batch.reference, title=batch.title, item_name=batch.item.name,
                    business_name=batch.business_name, progress=services.batch_progress(db.session, batch.id),
                    members=[ApplicationSummary(**ApplicationSummary.fields_of(a, day)) for a in members]
                    ).model_dump(mode="json")


@bp.post("/batches", responses={201: BatchOut}, security=STAFF_BEARER)
@staff_role(*HANDLERS)
def create_batch(body: BatchIn):
    """批量办理: one business's applications created (and optionally accepted) together, all or none."""
    require_centre(db.session, g.staff, body.centre_id)
    batch = services.create_batch(
        db.session, field_cipher(), g.staff, item_code=body.item_code, centre_id=body.centre_id, title=body.title,
        business_name=body.business_name, credit_code=body.credit_code,
        members=[m.to_applicant() for m in body.members], now=utcnow(), appointment_id=body.appointment_id,
        accept=body.accept.to_advance() if body.accept else None)
    return _batch_out(batch), 201


@bp.get("/batches/<reference>", responses={200: BatchOut}, security=STAFF_BEARER)
@staff_required
def show_batch(path: BatchPath):
    return _batch_out(services.staff_batch(db.session, g.staff, path.reference))


@bp.post("/batches/<reference>/advance", responses={200: BatchAdvanceOut}, security=STAFF_BEARER)
@staff_role(*HANDLERS)
def advance_batch(path: BatchPath, body: BatchAdvanceIn):
    """Advance every member in one transaction; if any member cannot move, none does (409 lists them)."""
    batch = services.staff_batch(db.session, g.staff, path.reference)
    count = services.advance_batch(db.session, g.staff, batch, body.to_advance(), utcnow(),
                                   only_from=body.only_from.value if body.only_from else None)
    return BatchAdvanceOut(advanced=count, progress=services.batch_progress(db.session, batch.id)
                           ).model_dump(mode="json")
