"""The 代办点 desk: a clerk at a village, bank or firm desk (a `site` centre) writes down a 帮办 request or takes
materials in for the centre above the site, and follows what became of them. The only console pages a 代办点
clerk may open (blueprint.EVERYONE leaves the role out; the staff API refuses it)."""

from __future__ import annotations

from datetime import timedelta

from flask import g, render_template, request
from pydantic import ValidationError
from sqlalchemy import select

from miniapp_api.applications import services as applications
from miniapp_api.applications.messages import STATUS_NAMES as APPLICATION_STATUS_NAMES
from miniapp_api.applications.schemas import ApplicantIn
from miniapp_api.assistance import services as assistance
from miniapp_api.assistance.messages import STATUS_NAMES as ASSISTANCE_STATUS_NAMES
from miniapp_api.assistance.schemas import DeskRequestForm
from miniapp_api.centres.models import Centre, ServiceItem
from miniapp_api.console import messages, queries
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import done, form_data, intake_errors, item_refusal, split_applicant
from miniapp_api.console.forms import form_page
from miniapp_api.platform.auth import field_cipher
from miniapp_api.platform.clock import chinese_date, local, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import VALIDATION_FAILED, DomainError
from miniapp_api.platform.privacy import mask_name
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn
from miniapp_api.staff.models import Role
from miniapp_api.staff.services import desk_site, desk_sites

DESK = (Role.SITE_CLERK,)
RECENT_DAYS = 30


class SiteQuery(QueryModel):
    site_id: Id | None = None


class SiteIntakeForm(StrictIn):
    site_id: Id
    item_code: str
    applicant: ApplicantIn


def _form() -> dict:
    """The posted form (form_data), each value trimmed: a desk clerk's pasted number keeps no stray space."""
    return {key: value.strip() for key, value in form_data().items()}


def _site():
    """The desk's site: the one asked for (the clerk's own only), else the clerk's first; None when they have
    none."""
    sites = desk_sites(db.session, g.staff)
    wanted = SiteQuery.model_validate(request.args.to_dict()).site_id
    if wanted is not None:
        return sites, desk_site(db.session, g.staff, wanted)
    return sites, sites[0] if sites else None


def _items(site: Centre | None) -> list[ServiceItem]:
    return queries.items_at(db.session, {site.parent_id}) if site else []


@bp.get("/site")
@page(*DESK)
def site_desk():
    """代办点: what this desk took in the last 30 days and what became of it, and its two forms."""
    sites, site = _site()
    requests, cases = [], []
    if site is not None:
        since = utcnow() - timedelta(days=RECENT_DAYS)
        taken = assistance.site_requests(db.session, site.id, since)
        received = applications.site_cases(db.session, site.id, since)
        wanted = {r.item_id for r in taken} | {a.item_id for a in received}
        names = dict(db.session.execute(select(ServiceItem.id, ServiceItem.name)
                                        .where(ServiceItem.id.in_(wanted))).tuples().all())
        requests = [{"id": r.id, "name": mask_name(r.contact_name or ""), "item": names.get(r.item_id),
                     "situation": r.situation, "status": ASSISTANCE_STATUS_NAMES[r.status],
                     "at": local(r.created_at), "due": chinese_date(r.contact_due_on)} for r in taken]
        cases = [{"reference": a.reference, "item": names.get(a.item_id), "status": APPLICATION_STATUS_NAMES[a.status],
                  "at": local(a.created_at)} for a in received]
    return render_template("console/site_desk.html", sites=sites, site=site,
                           centre=db.session.get(Centre, site.parent_id) if site else None,
                           requests=requests, cases=cases, none=messages.SITE_NONE)


def _desk_form(template: str):
    sites, site = _site()
    return render_template(template, sites=sites, site=site, items=_items(site),
                           centre=db.session.get(Centre, site.parent_id) if site else None, none=messages.SITE_NONE)


@bp.route("/site/request", methods=["GET", "POST"])
@page(*DESK)
def site_request():
    """登记求助: for the person at the desk, handed to the 帮办 team of the centre above the site."""
    def save():
        form = DeskRequestForm.model_validate(_form())
        taken = assistance.take_at_desk(db.session, field_cipher(), g.staff, form.to_input(), utcnow())
        return done(messages.SITE_REQUEST_TAKEN.format(
            id=taken.id, centre=db.session.get(Centre, taken.centre_id).name, due=chinese_date(taken.contact_due_on),
            name=taken.contact_name), "console.site_desk", site_id=taken.site_id)
    return form_page(save, lambda: _desk_form("console/site_request.html"))


@bp.route("/site/intake", methods=["GET", "POST"])
@page(*DESK)
def site_intake():
    """代收材料: the case is the centre's (above the site); the desk only takes the materials in."""
    def save():
        data = _form()
        applicant = split_applicant(data)
        try:
            form = SiteIntakeForm.model_validate(data | {"applicant": applicant})
        except ValidationError as exc:   # at the form's own fields (applicant.name → applicant_name)
            raise DomainError(messages.INVALID_FORM, code=VALIDATION_FAILED, status=422,
                              fields=intake_errors(exc, applicant.get("type", "person"))) from exc
        site = desk_site(db.session, g.staff, form.site_id)
        try:
            case = applications.take_in_at_site(db.session, field_cipher(), g.staff, site=site,
                                                item_code=form.item_code, applicant=form.applicant.to_applicant(),
                                                now=utcnow())
        except DomainError as exc:   # an unknown item, or one the hall above does not handle: at the item field
            raise DomainError(messages.INVALID_FORM, code=VALIDATION_FAILED, status=422,
                              fields=item_refusal(exc)) from exc
        return done(messages.SITE_TAKEN_IN.format(reference=case.reference,
                                                  centre=db.session.get(Centre, site.parent_id).name),
                    "console.site_desk", site_id=site.id)
    return form_page(save, lambda: _desk_form("console/site_intake.html"))
