"""Citizen API: my applications, one application's progress, lookup by reference, telling staff a material was sent."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.applications import progress, services
from miniapp_api.applications.schemas import (
    ApplicationList,
    ApplicationOut,
    ApplicationPath,
    ApplicationSummary,
    LookupIn,
    MaterialReportIn,
)
from miniapp_api.identity.models import Scope
from miniapp_api.identity.schemas import RelativePath
from miniapp_api.identity.services import principal_for
from miniapp_api.platform import fast_json
from miniapp_api.platform.auth import citizen_required
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.rate_limits import (
    LOOKUP_PER_CITIZEN,
    LOOKUP_PER_REFERENCE,
    limiter,
    per_citizen,
    per_lookup_reference,
)
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.platform.unit_of_work import read_only

bp = APIBlueprint("applications", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="办件进度", description="Application progress, 容缺 materials and lookup")])
BEARER = [{"bearer": []}]


@bp.get("/applications", responses={200: ApplicationList}, security=BEARER)
@citizen_required
@read_only
def list_applications():
    """The caller's applications and those they are the named proxy (代办人) for, newest first."""
    day, rows = today(), services.citizen_applications(db.session, g.citizen.id)
    return {"applications": [ApplicationSummary(**ApplicationSummary.fields_of(a, day)).model_dump(mode="json")
                             for a in rows]}


@bp.get("/relatives/<int:authorisation_id>/applications", responses={200: ApplicationList}, security=BEARER)
@citizen_required
def list_relative_applications(path: RelativePath):
    """An authorised relative's applications (needs the view scope)."""
    principal = principal_for(db.session, g.citizen, path.authorisation_id, Scope.VIEW, utcnow())
    day, rows = today(), services.relative_applications(db.session, principal)
    return {"applications": [ApplicationSummary(**ApplicationSummary.fields_of(a, day)).model_dump(mode="json")
                             for a in rows]}


@bp.get("/applications/<reference>", responses={200: ApplicationOut}, security=BEARER)
@citizen_required
@read_only
def show_application(path: ApplicationPath):
    """Progress with the timeline, due date, materials still owed and how to collect the result."""
    return fast_json.response(progress.for_citizen(db.session, g.citizen.id, path.reference, today()))


@bp.post("/applications/lookup", responses={200: ApplicationOut}, security=BEARER)
@citizen_required
@limiter.limit(LOOKUP_PER_REFERENCE, key_func=per_lookup_reference)
@limiter.limit(LOOKUP_PER_CITIZEN, key_func=per_citizen)
def lookup(body: LookupIn):
    """Find an application filed at the counter by its reference and the last 4 digits of the phone given there;
    it is then added to the caller's list."""
    application = services.lookup(db.session, g.citizen.id, body.reference, body.phone_last4,
                                  g.citizen.verified_id_hash, utcnow())
    return progress.by_id(db.session, application.id, today())


@bp.post("/applications/<reference>/materials", responses={200: ApplicationOut}, security=BEARER)
@citizen_required
def report_material(path: ApplicationPath, body: MaterialReportIn):
    """Tell staff a missing (容缺) or corrected (补正) material has been sent; staff confirm receipt."""
    services.report_material(db.session, g.citizen.id, path.reference, body.material_id, body.note,
                             body.attachments, utcnow())
    return progress.for_citizen(db.session, g.citizen.id, path.reference, today())
