"""Businesses (市场主体): the registry's CSV import, and who may act for a business.

A citizen acts for a business only through a link in force: the registry's representative matched to a
face-verified identity (at import, and by the nightly sweep for people who verify later), or an agent staff
confirmed at a counter against the agent's own verified identity. An agent link lasts a year (`AGENT_TERM`),
is renewed by confirming the agent again, and ends at once when the representative ends it in the mini-program
or staff end it in the console (audit-logged with the reason). Every act as the business re-checks the link at
that moment (`_in_force`): not ended, not run out, the citizen still face-verified (a representative the
registry replaced loses the link at the import or the nightly match). Everything a citizen sees of a business goes through `own_business`, so nobody
reads a business they are not linked to, or no longer linked to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.businesses import messages
from miniapp_api.businesses.models import AGENT_TERM, Business, BusinessKind, BusinessLink, LinkRole, link_in_force
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT
from miniapp_api.identity import services as identity
from miniapp_api.licences.models import Licence
from miniapp_api.notifications.services import notify
from miniapp_api.platform import csv_rows
from miniapp_api.platform.clock import chinese_time
from miniapp_api.platform.db import lock_for_transaction
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform.facts import facts_changed
from miniapp_api.platform import audit as audit_trail
from miniapp_api.platform.privacy import FieldCipher, credit_code_is_valid, id_number_is_valid
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import audit

BUSINESS_NOT_FOUND = "business_not_found"
CITIZEN_NOT_VERIFIED = "citizen_not_verified"
ALREADY_LINKED = "already_linked"
NOT_REPRESENTATIVE = "not_representative"
LINK_NOT_FOUND = "link_not_found"
REASON_REQUIRED = "reason_required"
PAYOUT_MISSING = "payout_account_missing"

COLUMNS = ("统一社会信用代码", "名称", "类型", "行业代码", "规模", "注册地址", "所属区划", "成立日期", "法定代表人",
           "法定代表人身份证号", "从业人数")
REQUIRED = COLUMNS[:-2]
KINDS = {"企业": BusinessKind.ENTERPRISE, "个体工商户": BusinessKind.INDIVIDUAL}
SIZES = {"大型": "large", "中型": "medium", "小型": "small", "微型": "micro"}
LIMITS = {"名称": 100, "注册地址": 200, "法定代表人": 40}
PAYOUT_CONTEXT = "business.payout_account"
INDUSTRY = re.compile(r"^[A-T]\d{0,4}$")
REGION = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    linked: int
    business_ids: list[int]


def _parse_row(row: dict[str, str]) -> dict:
    csv_rows.check_cells(row, REQUIRED, LIMITS, empty=messages.ROW_REQUIRED, too_long=messages.ROW_TOO_LONG)
    credit_code = row["统一社会信用代码"].upper()
    if not credit_code_is_valid(credit_code):
        raise ValueError(messages.ROW_CREDIT_CODE)
    if row["类型"] not in KINDS:
        raise ValueError(messages.ROW_KIND)
    if row["规模"] not in SIZES:
        raise ValueError(messages.ROW_SIZE)
    industry = row["行业代码"].upper()
    if not INDUSTRY.match(industry):
        raise ValueError(messages.ROW_INDUSTRY)
    if not REGION.match(row["所属区划"]):
        raise ValueError(messages.ROW_REGION)
    try:
        registered_on = date.fromisoformat(row["成立日期"])
    except ValueError:
        raise ValueError(messages.ROW_DATE) from None
    id_number = (row.get("法定代表人身份证号") or "").upper() or None
    if id_number is not None and not id_number_is_valid(id_number):
        raise ValueError(messages.ROW_ID_NUMBER)
    employees = (row.get("从业人数") or "").strip()
    if employees and not (employees.isdigit() and int(employees) <= 10_000_000):
        raise ValueError(messages.ROW_EMPLOYEES)
    return dict(credit_code=credit_code, name=row["名称"], kind=str(KINDS[row["类型"]]), industry_code=industry,
                size_class=SIZES[row["规模"]], address=row["注册地址"], region=row["所属区划"],
                registered_on=registered_on, representative_name=row["法定代表人"], id_number=id_number,
                employees=int(employees) if employees else None)


def import_csv(session: Session, cipher: FieldCipher, staff: Staff, csv_text: str, now: datetime) -> ImportReport:
    """All rows or none, errors by line; idempotent on the credit code (a second import updates in place);
    representatives who are verified citizens are linked at once. Audit-logged with its counts."""
    rows = csv_rows.rows_of(csv_text, REQUIRED, missing_header=messages.CSV_HEADER, broken=messages.CSV_BROKEN)
    parsed, _, errors = csv_rows.parse_all(rows, _parse_row, lambda v: v["credit_code"],
                                           duplicate=messages.ROW_DUPLICATE)
    csv_rows.refuse(errors, summary=messages.CSV_INVALID, parsed=parsed, empty=messages.CSV_EMPTY)
    existing = set(session.scalars(select(Business.credit_code).where(
        Business.credit_code.in_([v["credit_code"] for v in parsed]))))
    for values in parsed:
        id_number = values.pop("id_number")
        values["representative_id_hash"] = cipher.lookup_hash(id_number, context=ID_NUMBER_CONTEXT) if id_number else None
        upsert = insert(Business).values(**values, updated_at=now)
        session.execute(upsert.on_conflict_do_update(index_elements=["credit_code"], set_={
            name: upsert.excluded[name] for name in (*values, "updated_at") if name != "credit_code"}))
    ids = list(session.scalars(select(Business.id).where(Business.credit_code.in_([v["credit_code"] for v in parsed]))))
    linked = link_representatives(session, now, business_ids=ids)
    report = ImportReport(created=len(parsed) - len(existing), updated=len(existing), linked=linked, business_ids=ids)
    audit(session, staff, "import_businesses", "business", "csv", created=report.created, updated=report.updated,
          linked=report.linked)
    facts_changed(session, "business", ids)   # 政策快享 over the changed facts, once this commits
    return report


# The registry's representatives who are face-verified citizens, linked once (the partial unique index and
# ON CONFLICT DO NOTHING make a second run add nothing); a representative the registry replaced loses the link.
LINK_REPRESENTATIVES = """
WITH gone AS (
    UPDATE business_link l SET revoked_at = :now, ended_by = 'registry'
    FROM business b, citizen c
    WHERE l.business_id = b.id AND l.citizen_id = c.id AND l.role = 'representative' AND l.revoked_at IS NULL
      AND (CAST(:ids AS bigint[]) IS NULL OR b.id = ANY(CAST(:ids AS bigint[])))
      AND b.representative_id_hash IS DISTINCT FROM c.verified_id_hash
    RETURNING l.id)
INSERT INTO business_link (business_id, citizen_id, role, source)
SELECT b.id, c.id, 'representative', 'registry'
FROM business b JOIN citizen c ON c.verified_id_hash = b.representative_id_hash
WHERE (CAST(:ids AS bigint[]) IS NULL OR b.id = ANY(CAST(:ids AS bigint[])))
ON CONFLICT (business_id, citizen_id) WHERE revoked_at IS NULL DO NOTHING
RETURNING id"""


def link_representatives(session: Session, now: datetime, *, business_ids: list[int] | None = None) -> int:
    """Link verified representatives (of these businesses, or all: the nightly sweep); how many new links."""
    return len(session.execute(text(LINK_REPRESENTATIVES), {"ids": business_ids, "now": now}).all())


def confirm_agent(session: Session, cipher: FieldCipher, staff: Staff, *, credit_code: str, id_number: str,
                  name: str, now: datetime) -> tuple[BusinessLink, bool]:
    """At a counter, staff confirm a verified citizen as the business's agent (经办人), having seen the
    authorisation letter and the agent's ID card: for a year from now. Confirming a current agent again renews
    the year (the second value says it was a renewal). Audit-logged."""
    citizen = identity.verified_citizen_by_id_number(session, cipher, id_number)
    if citizen is None:
        raise DomainError(messages.CITIZEN_NOT_VERIFIED, code=CITIZEN_NOT_VERIFIED, status=422,
                          fields={"id_number": messages.CITIZEN_NOT_VERIFIED})
    if citizen.real_name != name:
        raise DomainError(messages.NAME_MISMATCH, code=CITIZEN_NOT_VERIFIED, status=422,
                          fields={"name": messages.NAME_MISMATCH})
    business = session.scalars(select(Business).where(Business.credit_code == credit_code.upper())).one_or_none()
    if business is None:
        raise NotFound(messages.BUSINESS_NOT_FOUND, code=BUSINESS_NOT_FOUND)
    # Two clerks confirming the same agent at once: one creates the link, the other then renews it.
    lock_for_transaction(session, f"business-link:{business.id}:{citizen.id}")
    live = session.scalars(select(BusinessLink).where(BusinessLink.business_id == business.id,
                                                      BusinessLink.citizen_id == citizen.id,
                                                      BusinessLink.revoked_at.is_(None)).with_for_update()).one_or_none()
    if live is not None and live.role != LinkRole.AGENT:
        raise DomainError(messages.ALREADY_LINKED.format(role=messages.ROLE_NAMES[live.role]), code=ALREADY_LINKED,
                          status=409)
    if live is not None:
        live.expires_at, live.staff_id = now + AGENT_TERM, staff.id
        audit(session, staff, "business.agent_renewed", "business", business.id, citizen_id=citizen.id,
              link_id=live.id, expires_at=live.expires_at.isoformat())
        session.flush()
        return live, True
    link = BusinessLink(business_id=business.id, citizen_id=citizen.id, role=LinkRole.AGENT, source="counter",
                        staff_id=staff.id, expires_at=now + AGENT_TERM)
    session.add(link)
    session.flush()
    link.business = business
    audit(session, staff, "business.agent_confirmed", "business", business.id, citizen_id=citizen.id,
          link_id=link.id, expires_at=link.expires_at.isoformat())
    return link, False


def _in_force(now: datetime) -> ColumnElement[bool]:
    """A link that may act now (over BusinessLink ⋈ Citizen): not ended, not run out, its citizen still
    face-verified. (A representative the registry replaced loses the link at the import or the nightly match.)"""
    return link_in_force(now) & Citizen.verified_id_hash.is_not(None)


def _links(now: datetime) -> Select:
    return (select(Business, BusinessLink).join(BusinessLink, BusinessLink.business_id == Business.id)
            .join(Citizen, Citizen.id == BusinessLink.citizen_id).where(_in_force(now)))


def linked_business_ids(citizen_id: int, now: datetime) -> Select:
    """The businesses the citizen may act for now, as a subquery (policy matches, certificates)."""
    return (select(BusinessLink.business_id).join(Business, Business.id == BusinessLink.business_id)
            .join(Citizen, Citizen.id == BusinessLink.citizen_id)
            .where(BusinessLink.citizen_id == citizen_id, _in_force(now)))


def citizen_businesses(session: Session, citizen_id: int, now: datetime) -> list[tuple[Business, BusinessLink]]:
    return list(session.execute(_links(now).where(BusinessLink.citizen_id == citizen_id)
                                .order_by(Business.name)).tuples())


def agents_of(session: Session, credit_code: str, now: datetime) -> list[int]:
    """The citizens acting for the business in the app now, its representative first."""
    return [link.citizen_id for _, link in session.execute(
        _links(now).where(Business.credit_code == credit_code)
        .order_by(BusinessLink.role != "representative", BusinessLink.id)).tuples()]


def own_business(session: Session, citizen_id: int, business_id: int, now: datetime, *,
                 representative: bool = False) -> tuple[Business, BusinessLink]:
    """A business the citizen may act for now; 404 for any other (existence is not leaked), and for one whose
    link has ended or run out. `representative`: only its legal representative may (403 for its agents)."""
    found = session.execute(_links(now).where(Business.id == business_id, BusinessLink.citizen_id == citizen_id)
                            ).tuples().one_or_none()
    if found is None:
        raise NotFound(messages.BUSINESS_NOT_FOUND, code=BUSINESS_NOT_FOUND)
    if representative and found[1].role != LinkRole.REPRESENTATIVE:
        raise DomainError(messages.NOT_REPRESENTATIVE, code=NOT_REPRESENTATIVE, status=403)
    return found


def links_of(session: Session, business_id: int) -> list[tuple[BusinessLink, Citizen]]:
    """Every link of the business, current first, with its citizen (for the representative and the console)."""
    return list(session.execute(select(BusinessLink, Citizen).join(Citizen, Citizen.id == BusinessLink.citizen_id)
                                .where(BusinessLink.business_id == business_id)
                                .order_by(BusinessLink.revoked_at.is_not(None), BusinessLink.role != "representative",
                                          BusinessLink.id)).tuples())


def end_link(session: Session, business_id: int, link_id: int, *, ended_by: str, reason: str,
             now: datetime) -> BusinessLink:
    """An agent's link ends at once (the representative in the mini-program, or staff in the console): from this
    moment the agent sees and does nothing more as the business. Audit-logged with the reason. A representative's
    link is the registry's to end (the nightly match), not anyone's here."""
    reason = reason.strip()
    if not reason:
        raise DomainError(messages.END_REASON_REQUIRED, code=REASON_REQUIRED, status=422,
                          fields={"reason": messages.END_REASON_REQUIRED})
    link = session.scalars(select(BusinessLink).where(
        BusinessLink.id == link_id, BusinessLink.business_id == business_id, BusinessLink.role == LinkRole.AGENT,
        BusinessLink.revoked_at.is_(None)).with_for_update()).one_or_none()
    if link is None:
        raise NotFound(messages.LINK_NOT_FOUND, code=LINK_NOT_FOUND)
    link.revoked_at, link.ended_by, link.end_reason = now, ended_by, reason[:200]
    business = session.get(Business, business_id)
    body = messages.AGENT_ENDED_BODY.format(name=business.name, reason=link.end_reason)
    notify(session, citizen_id=link.citizen_id, kind="account_security",
           context={"event": messages.AGENT_ENDED_TITLE, "time": chinese_time(now),
                    "tip": body}, title=messages.AGENT_ENDED_TITLE, body=body, page="pages/me/index", now=now)
    actor = ended_by if ended_by.startswith("staff:") else f"citizen:{ended_by.split(':')[-1]}"
    audit_trail.record(session, actor=actor, action="business.agent_ended", subject_type="business",
                       subject_id=str(business_id),
                       detail={"link_id": link.id, "citizen_id": link.citizen_id, "reason": link.end_reason})
    session.flush()
    return link


def set_payout_account(session: Session, cipher: FieldCipher, business: Business, *, account_name: str, bank: str,
                       account_number: str, set_by: str, now: datetime) -> Business:
    """The business's payout account on record (对公账户), where its 免申即享 grants are paid: in the name of the
    business itself. Audit-logged (last four digits only)."""
    if account_name.strip() != business.name:
        raise DomainError(messages.PAYOUT_NAME.format(name=business.name), code="payout_name", status=422,
                          fields={"account_name": messages.PAYOUT_NAME.format(name=business.name)})
    business.payout_account_name, business.payout_bank = account_name.strip(), bank.strip()
    business.payout_account_enc = cipher.encrypt(account_number, context=PAYOUT_CONTEXT)
    business.payout_account_last4, business.payout_set_by, business.payout_set_at = account_number[-4:], set_by, now
    audit_trail.record(session, actor=set_by, action="business.payout_account", subject_type="business",
                       subject_id=str(business.id), detail={"bank": business.payout_bank,
                                                            "last4": business.payout_account_last4})
    session.flush()
    return business


def business_licences(session: Session, business: Business) -> list[Licence]:
    """The licences held by the business (by its credit code), newest expiry first."""
    return list(session.scalars(select(Licence).where(Licence.credit_code == business.credit_code)
                                .order_by(Licence.expires_on.desc())))

