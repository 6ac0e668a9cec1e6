"""Console pages for businesses (市场主体): who acts for one, confirming or renewing an agent at the counter,
ending an agent's link (audit-logged with the reason), and the payout account on record."""

from __future__ import annotations

from flask import g, render_template, request
from pydantic import Field

from miniapp_api.businesses import messages as business_messages
from miniapp_api.businesses import services as businesses
from miniapp_api.businesses.models import Business
from miniapp_api.businesses.schemas import LinkOut, PayoutAccountOut
from miniapp_api.citizens.schemas import IdNumber, RealName
from miniapp_api.console import messages
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import done, form_data
from miniapp_api.console.forms import keeps_input
from miniapp_api.platform.auth import field_cipher
from miniapp_api.platform.clock import chinese_date, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform.schemas import StrictIn
from miniapp_api.staff import permissions

HALL_STAFF = permissions.BUSINESS_AGENT


class AgentForm(StrictIn):
    name: RealName
    id_number: IdNumber


class EndForm(StrictIn):
    reason: str = Field(min_length=1, max_length=200)
    confirm: bool = False   # a checkbox: absent when not ticked


class PayoutForm(StrictIn):
    account_name: str = Field(min_length=2, max_length=80)
    bank: str = Field(min_length=2, max_length=60)
    account_number: str = Field(pattern=r"^\d{8,30}$")


def _business(credit_code: str) -> Business:
    business = db.session.query(Business).filter(Business.credit_code == credit_code.strip().upper()).one_or_none()
    if business is None:
        raise NotFound(business_messages.BUSINESS_NOT_FOUND, code=businesses.BUSINESS_NOT_FOUND)
    return business


@bp.get("/businesses")
@page(*HALL_STAFF)
def business_links():
    """Look a business up by its credit code: its representative and agents, until when, who ended whose link."""
    return _business_page(request.args.get("credit_code", ""))


def _business_page(credit_code: str):
    code, business, links = credit_code.strip().upper(), None, []
    if code:
        business = _business(code)
        now = utcnow()
        links = [LinkOut.of(link, citizen.real_name, now) for link, citizen in businesses.links_of(db.session,
                                                                                                 business.id)]
    return render_template("console/businesses.html", code=code, business=business, links=links,
                           payout=PayoutAccountOut.of(business) if business else None,
                           kinds=business_messages.KIND_NAMES)


@bp.post("/businesses/<credit_code>/agents")
@page(*HALL_STAFF)
@keeps_input(_business_page)
def business_agent_confirm(credit_code: str):
    """At the counter, having seen the authorisation letter and the agent's ID card: a new agent for a year, or
    a current one renewed for another year."""
    body = AgentForm.model_validate(form_data())
    link, _ = businesses.confirm_agent(db.session, field_cipher(), g.staff, credit_code=credit_code,
                                    id_number=body.id_number, name=body.name, now=utcnow())
    return done(messages.AGENT_CONFIRMED.format(name=body.name, until=chinese_date(link.expires_at)),
                "console.business_links", credit_code=credit_code)


@bp.post("/businesses/<credit_code>/agents/<int:link_id>/end")
@page(*HALL_STAFF)
@keeps_input(_business_page)
def business_agent_end(credit_code: str, link_id: int):
    body = EndForm.model_validate(form_data())
    if not body.confirm:
        raise DomainError(messages.END_NOT_CONFIRMED, status=422, fields={"confirm": messages.END_NOT_CONFIRMED})
    business = _business(credit_code)
    businesses.end_link(db.session, business.id, link_id, ended_by=f"staff:{g.staff.id}", reason=body.reason,
                        now=utcnow())
    return done(messages.AGENT_ENDED, "console.business_links", credit_code=credit_code)


@bp.post("/businesses/<credit_code>/payout")
@page(*HALL_STAFF)
@keeps_input(_business_page)
def business_payout(credit_code: str):
    """Staff record the business's own account (对公账户) from its bank's account-opening licence."""
    body = PayoutForm.model_validate(form_data())
    business = _business(credit_code)
    businesses.set_payout_account(db.session, field_cipher(), business, account_name=body.account_name,
                                  bank=body.bank, account_number=body.account_number,
                                  set_by=f"staff:{g.staff.id}", now=utcnow())
    return done(messages.PAYOUT_SAVED, "console.business_links", credit_code=credit_code)
