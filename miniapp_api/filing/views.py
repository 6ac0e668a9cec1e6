"""网上申报: the form of an item, drafts, submission, the online answer to a 补正; staff read the form behind a case."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import select

from miniapp_api.applications import services as applications
from miniapp_api.applications.models import Application, BundleCase
from miniapp_api.applications.schemas import ApplicationPath
from miniapp_api.appointments.slots import bookable_starts
from miniapp_api.businesses.services import own_business
from miniapp_api.centres.services import get_centre
from miniapp_api.filing import services
from miniapp_api.filing.bundles import bundle_definition
from miniapp_api.filing.models import Filing
from miniapp_api.filing.schemas import (
    BundleCaseList,
    BundleCaseOut,
    BundleCaseSummary,
    BundleFormOut,
    BundleList,
    BundleOut,
    BundlePath,
    BundleReference,
    BundleSlotList,
    BundleSlotOut,
    BundleSlotsQuery,
    CorrectionsIn,
    FilingIn,
    FilingList,
    FilingOut,
    FilingPath,
    OnlineFormOut,
    FormQuery,
    FormItemPath,
    MailOut,
    StaffFilingOut,
    StartIn,
    SubmittedOut,
)
from miniapp_api.platform.auth import STAFF_BEARER, citizen_required, field_cipher, staff_required
from miniapp_api.platform.clock import local_iso, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.http_cache import public_cached
from miniapp_api.platform.rate_limits import PROFILE_PER_CITIZEN, limiter, per_citizen
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.platform.unit_of_work import stale_read
from miniapp_api.ratings import services as ratings

bp = APIBlueprint("filing", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="网上申报", description="Apply online: form, materials, draft, submission, 补正")])
staff_bp = APIBlueprint("staff_filing", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                        abp_tags=[Tag(name="网上申报（工作人员）", description="The online form behind a case (预审)")])


def filing_out(filing: Filing) -> dict:
    if filing.bundle_case_id:
        reference = db.session.scalar(select(BundleCase.reference).where(BundleCase.id == filing.bundle_case_id))
    elif filing.application_id:
        reference = db.session.scalar(select(Application.reference).where(Application.id == filing.application_id))
    else:
        reference = None
    bundle = bundle_definition(filing.bundle_code) if filing.bundle_code else None
    return FilingOut.of(filing, services.mail_of(field_cipher(), filing), reference, bundle.name if bundle else None)


@bp.get("/items/<code>/online-form", responses={200: OnlineFormOut}, security=[{"bearer": []}])
@citizen_required
def online_form(path: FormItemPath, query: FormQuery):
    """The item's online form: fields, materials (必需 or 容缺可后补), the centres that handle it, and what can be
    prefilled for the caller (and the business, for a business item). 404 for an item not offered online."""
    item, definition = services.offered(db.session, path.code)
    business = own_business(db.session, g.citizen.id, query.business_id, utcnow())[0] if query.business_id else None
    return OnlineFormOut.of(item, definition, services.centres_for(db.session, [item]),
                      services.prefill(db.session, definition, g.citizen, business))


@bp.post("/filings", responses={201: FilingOut}, security=[{"bearer": []}])
@citizen_required
@limiter.limit(PROFILE_PER_CITIZEN, key_func=per_citizen)
def start_filing(body: StartIn):
    """Start a draft, prefilled. Needs a face-verified caller; a business item needs a business they act for."""
    filing = services.start(db.session, g.citizen, item_code=body.item_code, bundle_code=body.bundle_code,
                            centre_id=body.centre_id, business_id=body.business_id, now=utcnow())
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
    case (受理编号), waiting for 预审 — for a 一件事 bundle, the parent case (kind `bundle`) with a child case per
    item; every problem is answered at once, by field, and nothing changes."""
    filing = services.own_filing(db.session, g.citizen, path.filing_id, lock=True)
    case = services.submit(db.session, field_cipher(), g.citizen, filing, utcnow())
    if isinstance(case, BundleCase):
        return {"reference": case.reference, "status": "submitted", "kind": "bundle"}, 201
    return {"reference": case.reference, "status": case.status, "kind": "application"}, 201


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
    labels = services.labels_for(found)
    return StaffFilingOut(
        reference=path.reference, item_name=found.item.name,
        bundle_reference=found.bundle.reference if found.bundle else None,
        bundle_title=found.bundle.title if found.bundle else None,
        values=[{"key": k, "label": label, "value": found.values[k]} for k, label in labels.items() if k in found.values],
        materials=[{"name": name, "key": key, "file_ids": filing.materials.get(name, [])}
                   for name, key in found.materials.items()],
        deferred=[n for n in filing.deferred if n in found.materials], promise_text=filing.promise_text,
        delivery=filing.delivery, mail=MailOut(**found.mail.__dict__) if found.mail else None,
        submitted_at=local_iso(filing.submitted_at), promises=services.staff_promises(found)).model_dump()


# --- 一件事 bundles -----------------------------------------------------------------------------------


@bp.get("/bundles", responses={200: BundleList})
@public_cached
def list_bundles():
    """The 一件事 bundles offered online: their items and the department that handles each."""
    return {"bundles": [BundleOut.of(offer).model_dump() for offer in services.offered_bundles(db.session)]}


@bp.get("/bundles/<code>/online-form", responses={200: BundleFormOut}, security=[{"bearer": []}])
@citizen_required
def bundle_form(path: BundlePath, query: FormQuery):
    """The bundle's one form (一表申请) and one material set (一套材料: each document once, with the items that
    need it, and what the bundle makes unnecessary), the centres that handle every item, and the prefill."""
    offer = services.offered_bundle(db.session, path.code)
    business = own_business(db.session, g.citizen.id, query.business_id, utcnow())[0] if query.business_id else None
    return BundleFormOut.of_form(offer, services.centres_for(db.session, offer.items),
                                 services.prefill(db.session, offer.form, g.citizen, business))


@bp.get("/bundles/<code>/slots", responses={200: BundleSlotList})
@stale_read
@public_cached
def bundle_slots(path: BundlePath, query: BundleSlotsQuery):
    """One visit for the whole bundle (多事项预约): the day's starts at a window that handles every item, where
    the consecutive slots the items need together all have a seat. Book with POST /appointments and
    `item_codes`."""
    offer = services.offered_bundle(db.session, path.code)
    centre = get_centre(db.session, query.centre_id)
    starts = bookable_starts(db.session, centre, offer.items, query.date)
    return BundleSlotList(date=query.date.isoformat(), item_codes=[i.code for i in offer.items], slots=[
        BundleSlotOut(slot_id=run[0].id, window_name=run[0].window.name, starts_at=local_iso(run[0].starts_at) or "",
                      ends_at=local_iso(run[-1].ends_at) or "", slots_taken=len(run)) for run in starts]
    ).model_dump()


@bp.get("/bundle-cases", responses={200: BundleCaseList}, security=[{"bearer": []}])
@citizen_required
def list_bundle_cases():
    """The caller's 一件事 cases (as applicant or as a business's agent), newest first."""
    found = applications.citizen_bundles(db.session, g.citizen.id)
    return {"bundle_cases": [BundleCaseSummary.of(b) for b in found]}


@bp.get("/bundle-cases/<bundle_reference>", responses={200: BundleCaseOut}, security=[{"bearer": []}])
@citizen_required
def show_bundle_case(path: BundleReference):
    """One 一件事: each item's case with its department, state and time limit, one timeline of all of them, and
    whether it can be rated (once every item is done: rating and survey are for the whole bundle)."""
    bundle = applications.citizen_bundle(db.session, g.citizen.id, path.bundle_reference)
    definition = bundle_definition(bundle.bundle_code)
    return BundleCaseOut.of(bundle, definition.departments if definition else {},
                            rated=ratings.is_rated(db.session, "bundle", bundle.id))
