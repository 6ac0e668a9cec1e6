"""Businesses: the citizen's linked businesses; staff import the registry and confirm agents at the counter."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.businesses import messages, services
from miniapp_api.businesses.schemas import (
    AgentIn,
    AgentOut,
    AgentPath,
    BusinessImportIn,
    BusinessImportOut,
    BusinessList,
    BusinessOut,
    BusinessPath,
    EndAgentIn,
    LinkList,
    LinkOut,
    PayoutAccountIn,
    PayoutAccountOut,
)
from miniapp_api.platform.auth import (
    STAFF_BEARER,
    citizen_required,
    field_cipher,
)
from miniapp_api.platform.clock import local_iso, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.platform.unit_of_work import read_only
from miniapp_api.staff import permissions
from miniapp_api.staff.guards import staff_role

bp = APIBlueprint("businesses", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="我的企业", description="Businesses the citizen acts for")])
staff_bp = APIBlueprint("staff_businesses", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                        abp_tags=[Tag(name="市场主体（工作人员）", description="Registry import and counter links")])
BEARER = [{"bearer": []}]


@bp.get("/businesses", responses={200: BusinessList}, security=BEARER)
@citizen_required
@read_only
def list_businesses():
    """Businesses the caller acts for: as legal representative (the registry matched their verified identity)
    or as an agent confirmed at a counter."""
    rows = services.citizen_businesses(db.session, g.citizen.id, utcnow())
    return BusinessList(businesses=[BusinessOut.of(b, link) for b, link in rows]).model_dump(mode="json")


# GET /businesses/<business_id> (one business with its licences and the caller's 批量办理 for it) is composed
# above both domains in miniapp_api/compose.py: batches belong to applications, a case domain.


def _links_out(business, now) -> dict:
    return LinkList(links=[LinkOut.of(link, citizen.real_name, now)
                           for link, citizen in services.links_of(db.session, business.id)],
                    payout=PayoutAccountOut.of(business)).model_dump(mode="json")


@bp.get("/businesses/<int:business_id>/agents", responses={200: LinkList}, security=BEARER)
@citizen_required
@read_only
def list_agents(path: BusinessPath):
    """The legal representative sees who acts for the business (agents, until when, who ended whose link and
    why) and its payout account on record. Agents get 403; anyone else 404."""
    now = utcnow()
    business, _ = services.own_business(db.session, g.citizen.id, path.business_id, now, representative=True)
    return _links_out(business, now)


@bp.post("/businesses/<int:business_id>/agents/<int:link_id>/end", responses={200: LinkList}, security=BEARER)
@citizen_required
def end_agent(path: AgentPath, body: EndAgentIn):
    """The legal representative ends an agent's link at once (e.g. 已离职): from now on the agent sees and does
    nothing as the business. The agent is told; audit-logged with the reason."""
    now = utcnow()
    business, _ = services.own_business(db.session, g.citizen.id, path.business_id, now, representative=True)
    services.end_link(db.session, business.id, path.link_id, ended_by=f"representative:{g.citizen.id}",
                      reason=body.reason, now=now)
    return _links_out(business, now)


@bp.put("/businesses/<int:business_id>/payout-account", responses={200: PayoutAccountOut}, security=BEARER)
@citizen_required
def set_payout_account(path: BusinessPath, body: PayoutAccountIn):
    """The legal representative records the business's own account (对公账户): its 免申即享 grants are paid there
    and nowhere else."""
    now = utcnow()
    business, _ = services.own_business(db.session, g.citizen.id, path.business_id, now, representative=True)
    services.set_payout_account(db.session, field_cipher(), business, account_name=body.account_name,
                                bank=body.bank, account_number=body.account_number,
                                set_by=f"citizen:{g.citizen.id}", now=now)
    return PayoutAccountOut.of(business).model_dump(mode="json")


@staff_bp.post("/businesses/import", responses={200: BusinessImportOut}, security=STAFF_BEARER)
@staff_role(*permissions.BUSINESS_IMPORT)
def import_businesses(body: BusinessImportIn):
    """Import or update businesses from the registry's CSV: every bad row is reported by line, nothing is
    saved unless all are right; importing the same file again changes nothing. Policies are matched again
    over the imported businesses once it commits."""
    report = services.import_csv(db.session, field_cipher(), g.staff, body.csv, utcnow())
    return BusinessImportOut(created=report.created, updated=report.updated, linked=report.linked
                             ).model_dump(mode="json")


@staff_bp.post("/businesses/agents", responses={201: AgentOut, 200: AgentOut}, security=STAFF_BEARER)
@staff_role(*permissions.BUSINESS_AGENT)
def confirm_agent(body: AgentIn):
    """At the counter: a verified citizen becomes the business's agent (经办人) for a year, checked against their
    own verified identity; confirming a current agent again renews the year (200, `renewed`)."""
    link, renewed = services.confirm_agent(db.session, field_cipher(), g.staff, credit_code=body.credit_code,
                                           id_number=body.id_number, name=body.name, now=utcnow())
    return AgentOut(business_id=link.business_id, business_name=link.business.name, citizen_id=link.citizen_id,
                    role=link.role, role_name=messages.ROLE_NAMES[link.role], expires_at=local_iso(link.expires_at),
                    renewed=renewed).model_dump(mode="json"), 200 if renewed else 201
