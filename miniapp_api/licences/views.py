"""Licences: the citizen's own list; staff CSV import and renewal."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.identity.models import Scope
from miniapp_api.identity.schemas import RelativePath
from miniapp_api.identity.services import principal_for
from miniapp_api.licences import services
from miniapp_api.licences.schemas import (
    ImportIn,
    ImportOut,
    LicenceList,
    LicenceOut,
    LicencePath,
    RenewIn,
)
from miniapp_api.platform.auth import STAFF_BEARER, citizen_required, field_cipher
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.rate_limits import LICENCES_PER_CITIZEN, limiter, per_citizen
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.staff import permissions
from miniapp_api.staff.guards import staff_role
from miniapp_api.staff.services import visible_centre_ids

bp = APIBlueprint("licences", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="证照", description="The citizen's licences and their expiry")])
staff_bp = APIBlueprint("staff_licences", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                        abp_tags=[Tag(name="证照管理（工作人员）", description="Licence import and renewal")])


@bp.get("/licences", responses={200: LicenceList}, security=[{"bearer": []}])
@citizen_required
@limiter.limit(LICENCES_PER_CITIZEN, key_func=per_citizen)
def list_licences():
    """Licences whose holder or contact is the caller (by the face-verified ID number), soonest expiry first.
    Empty until the caller's identity is verified."""
    day, rows = today(), services.citizen_licences(db.session, g.citizen)
    return {"licences": [LicenceOut.of(lic, day).model_dump(mode="json") for lic in rows]}


@bp.get("/relatives/<int:authorisation_id>/licences", responses={200: LicenceList}, security=[{"bearer": []}])
@citizen_required
@limiter.limit(LICENCES_PER_CITIZEN, key_func=per_citizen)
def list_relative_licences(path: RelativePath):
    """An authorised relative's licences (needs the view scope)."""
    principal = principal_for(db.session, g.citizen, path.authorisation_id, Scope.VIEW, utcnow())
    day, rows = today(), services.licences_of_person(db.session, principal.id_hash)
    return {"licences": [LicenceOut.of(lic, day).model_dump(mode="json") for lic in rows]}


@staff_bp.post("/licences/import", responses={200: ImportOut}, security=STAFF_BEARER)
@staff_role(*permissions.LICENCE_IMPORT)
def import_licences(body: ImportIn):
    """Import or update licences from CSV: every bad row is reported by line number and nothing is imported."""
    report = services.import_for_staff(db.session, field_cipher(), g.staff, body.csv, centre_id=body.centre_id,
                                       now=utcnow())
    return ImportOut(created=report.created, updated=report.updated).model_dump(mode="json")


@staff_bp.post("/licences/<int:licence_id>/renew", responses={200: LicenceOut}, security=STAFF_BEARER)
@staff_role(*permissions.LICENCE_RENEW)
def renew(path: LicencePath, body: RenewIn):
    """Record a renewal: reminders for the old expiry stop, new ones are planned from the new date."""
    licence = services.staff_licence(db.session, path.licence_id, visible_centre_ids(db.session, g.staff))
    services.renew(db.session, licence, body.expires_on, utcnow())
    return LicenceOut.of(licence, today()).model_dump(mode="json")
