"""网上申报: the form of an item, drafts, submission, the online answer to a 补正; staff read the form behind a case."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import select

from miniapp_api.applications.models import Application
from miniapp_api.applications.schemas import ApplicationPath
from miniapp_api.businesses.services import own_business
from miniapp_api.filing import services
from miniapp_api.filing.forms import definition_for
from miniapp_api.filing.models import Filing
from miniapp_api.filing.schemas import (
    CorrectionsIn,
    FilingIn,
    FilingList,
    FilingOut,
    FilingPath,
    FormOut,
    FormQuery,
    ItemPath,
    MailOut,
    StaffFilingOut,
    StartIn,
    SubmittedOut,
)
from miniapp_api.platform.auth import STAFF_BEARER, citizen_required, field_cipher, staff_required
from miniapp_api.platform.clock import local_iso, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.rate_limits import PROFILE_PER_CITIZEN, limiter, per_citizen
from miniapp_api.platform.schemas import ERROR_RESPONSES

bp = APIBlueprint("filing", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="网上申报", description="Apply online: form, materials, draft, submission, 补正")])
staff_bp = APIBlueprint("staff_filing", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                        abp_tags=[Tag(name="网上申报（工作人员）", description="The online form behind a case (预审)")])


def filing_out(filing: Filing) -> dict:
    reference = db.session.scalar(select(Application.reference).where(Application.id == filing.application_id)) \
        if filing.application_id else None
    return FilingOut.of(filing, services.mail_of(field_cipher(), filing), reference)


@bp.get("/items/<code>/online-form", responses={200: FormOut}, security=[{"bearer": []}])
@citizen_required
def online_form(path: ItemPath, query: FormQuery):
    """The item's online form: fields, materials (必需 or 容缺可后补), the centres that handle it, and what can be
    prefilled for the caller (and the business, for a business item). 404 for an item not offered online."""
    item, definition = services.offered(db.session, path.code)
    business = own_business(db.session, g.citizen.id, query.business_id)[0] if query.business_id else None
    return FormOut.of(item, definition, services.centres_for(db.session, item),
                      services.prefill(db.session, definition, g.citizen, business))


@bp.post("/filings", responses={201: FilingOut}, security=[{"bearer": []}])
@citizen_required
@limiter.limit(PROFILE_PER_CITIZEN, key_func=per_citizen)
def start_filing(body: StartIn):
    """Start a draft, prefilled. Needs a face-verified caller; a business item needs a business they act for."""
    filing = services.start(db.session, g.citizen, item_code=body.item_code, centre_id=body.centre_id,
                            business_id=body.business_id, now=utcnow())
    return filing_out(filing), 201


@bp.get("/filings", responses={200: FilingList}, security=[{"bearer": []}])
@citizen_required
def list_filings():
    """The caller's drafts and submitted filings, newest first."""
    return {"filings": [filing_out(f) for f in services.citizen_filings(db.session, g.citizen)]}


@bp.get("/filings/<int:filing_id>", responses={200: FilingOut}, security=[{"bearer": []}])
@citizen_required
def show_filing(path: FilingPath):
    return filing_out(services.own_filing(db.session, g.citizen, path.filing_id))


@bp.put("/filings/<int:filing_id>", responses={200: FilingOut}, security=[{"bearer": []}])
@citizen_required
def save_filing(path: FilingPath, body: FilingIn):
    """Save the draft as it is (values well-formed, none required yet; files must be the caller's)."""
    filing = services.own_filing(db.session, g.citizen, path.filing_id, lock=True)
    return filing_out(services.save(db.session, field_cipher(), g.citizen, filing, body.to_input(), utcnow()))


@bp.post("/filings/<int:filing_id>/submit", responses={201: SubmittedOut}, security=[{"bearer": []}])
@citizen_required
def submit_filing(path: FilingPath):
    """Submit: every required field, every key material; non-key ones uploaded or promised (容缺). Creates the
    case (受理编号), waiting for 预审; every problem is answered at once, by field, and nothing changes."""
    filing = services.own_filing(db.session, g.citizen, path.filing_id, lock=True)
    application = services.submit(db.session, field_cipher(), g.citizen, filing, utcnow())
    return {"reference": application.reference, "status": application.status}, 201


@bp.post("/applications/<reference>/corrections", responses={200: SubmittedOut}, security=[{"bearer": []}])
@citizen_required
def answer_corrections(path: ApplicationPath, body: CorrectionsIn):
    """补正 from the phone: new files per material asked for. With every one answered, the case goes back to
    预审 (or review) by itself."""
    application = services.answer_corrections(db.session, g.citizen, path.reference, body.to_answers(), utcnow())
    return {"reference": application.reference, "status": application.status}


@staff_bp.get("/applications/<reference>/filing", responses={200: StaffFilingOut}, security=STAFF_BEARER)
@staff_required
def staff_filing(path: ApplicationPath):
    """The online form behind a case of the caller's centres: values, materials with file ids, 容缺 promise,
    delivery and mailing address (audit-logged)."""
    found = services.for_staff(db.session, field_cipher(), g.staff, path.reference)
    filing = found.filing
    definition = definition_for(filing.item.name)
    labels = {f.key: f.label for f in definition.fields} if definition else {}
    return StaffFilingOut(
        reference=path.reference, item_name=filing.item.name,
        values=[{"key": k, "label": labels.get(k, k), "value": filing.values[k]} for k in labels if k in filing.values],
        materials=[{"name": name, "key": key, "file_ids": filing.materials.get(name, [])}
                   for name, key in services.material_names(filing.item).items()],
        deferred=filing.deferred, promise_text=filing.promise_text, delivery=filing.delivery,
        mail=MailOut(**found.mail.__dict__) if found.mail else None,
        submitted_at=local_iso(filing.submitted_at)).model_dump()
