"""Citizen API: my applications, one application's progress, lookup by reference, telling staff a material was sent."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, g, redirect
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.applications import branches, messages, progress, services
from miniapp_api.applications.member_lists import MemberListInvalid, parse
from miniapp_api.applications.schemas import (
    ApplicationList,
    ApplicationOut,
    ApplicationPath,
    ApplicationSummary,
    BranchFilingIn,
    BranchFilingList,
    BranchFilingOut,
    BranchFilingPath,
    BranchFilingSummary,
    BranchListForm,
    BranchListOut,
    BusinessIdPath,
    LookupIn,
    MaterialReportIn,
    RatingLinkPath,
    branch_filing_fields,
)
from miniapp_api.identity.models import Scope
from miniapp_api.identity.schemas import RelativePath
from miniapp_api.identity.services import principal_for
from miniapp_api.platform import fast_json
from miniapp_api.platform.auth import citizen_required, field_cipher
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import NotFound
from miniapp_api.platform.rate_limits import (
    LOOKUP_PER_CITIZEN,
    PROFILE_PER_CITIZEN,
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
    return {"applications": [ApplicationSummary(**ApplicationSummary.fields_of(a, day, messages.CITIZEN_STATUS_NAMES))
                             .model_dump(mode="json") for a in rows]}


@bp.get("/relatives/<int:authorisation_id>/applications", responses={200: ApplicationList}, security=BEARER)
@citizen_required
def list_relative_applications(path: RelativePath):
    """An authorised relative's applications (needs the view scope)."""
    principal = principal_for(db.session, g.citizen, path.authorisation_id, Scope.VIEW, utcnow())
    day, rows = today(), services.relative_applications(db.session, principal)
    return {"applications": [ApplicationSummary(**ApplicationSummary.fields_of(a, day, messages.CITIZEN_STATUS_NAMES))
                             .model_dump(mode="json") for a in rows]}


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


@bp.get("/r/<code>", responses={302: None})
@read_only
def open_rating_link(path: RatingLinkPath):
    """一次一评 by SMS: the short link's code leads, through WeChat's URL Scheme, to the mini-program's rating page of
    the case (the page asks the person to log in and shows only their own case). The link carries nothing
    about the person: the code is random and is looked up here."""
    page = services.rating_link_page(db.session, path.code)
    if page is None:
        raise NotFound(messages.RATING_LINK_NOT_FOUND, code=services.RATING_LINK_NOT_FOUND)
    page_path, _, query = page.partition("?")
    appid = current_app.config["BANSHI_SETTINGS"].wechat_appid or ""
    return redirect("weixin://dl/business/?" + urlencode({"appid": appid, "path": page_path, "query": query}), 302)


# --- 分支机构批量变更 (a business's agent files for many branches at once) ----------------------------------


@bp.post("/branch-lists", responses={200: BranchListOut}, security=BEARER)
@citizen_required
@limiter.limit(PROFILE_PER_CITIZEN, key_func=per_citizen)
def check_branch_list(form: BranchListForm):
    """Read a branch list (XLSX or CSV: 分支机构名称, 统一社会信用代码) into the branches a filing takes; every bad
    cell is answered by row and column (422 `member_list_invalid`). Nothing is filed."""
    content = form.file.read(branches.MAX_LIST_BYTES + 1)
    if len(content) > branches.MAX_LIST_BYTES:
        raise MemberListInvalid([], messages.BRANCH_LIST_TOO_BIG)
    found = parse(form.file.filename or "", content, "business")
    return {"branches": [{"name": m.name, "credit_code": m.credit_code} for m in found]}


@bp.post("/businesses/<int:business_id>/branch-filings", responses={201: BranchFilingOut}, security=BEARER)
@citizen_required
@limiter.limit(PROFILE_PER_CITIZEN, key_func=per_citizen)
def file_branches(path: BusinessIdPath, body: BranchFilingIn):
    """One 分支机构批量变更 for the business the caller acts for (face-verified: the one real-name check): the
    branches, one set of shared materials; a parent case (批次号 PL…) with a child case per branch, each waiting
    for 预审. Anyone not acting for the business now: 404."""
    now = utcnow()
    batch = branches.file_branches(
        db.session, field_cipher(), g.citizen, business_id=path.business_id, item_code=body.item_code,
        centre_id=body.centre_id, title=body.title, material_ids=body.material_ids, now=now,
        branches=[branches.Branch(b.name, b.credit_code) for b in body.branches])
    found = branches.branch_filing(db.session, g.citizen.id, path.business_id, batch.reference, now)
    return BranchFilingOut.of(found), 201


@bp.get("/businesses/<int:business_id>/branch-filings", responses={200: BranchFilingList}, security=BEARER)
@citizen_required
def list_branch_filings(path: BusinessIdPath):
    """The business's branch filings, newest first, for whoever acts for it now."""
    rows = branches.business_branch_filings(db.session, g.citizen.id, path.business_id, utcnow())
    return {"branch_filings": [BranchFilingSummary(**branch_filing_fields(b, phase, count)).model_dump(mode="json")
                               for b, phase, count in rows]}


@bp.get("/businesses/<int:business_id>/branch-filings/<batch_reference>", responses={200: BranchFilingOut},
        security=BEARER)
@citizen_required
def show_branch_filing(path: BranchFilingPath):
    """Each branch with its state in Chinese (待补正, 已办结（准予）…) and its own case reference (a 补正 is answered on
    that case), the shared materials, and the counts."""
    found = branches.branch_filing(db.session, g.citizen.id, path.business_id, path.batch_reference, utcnow())
    return BranchFilingOut.of(found)
