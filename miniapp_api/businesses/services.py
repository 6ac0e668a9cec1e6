"""Businesses (市场主体): the registry's CSV import, and who may act for a business.

A citizen acts for a business only through a link in force: the registry's representative matched to a
face-verified identity (at import, and by the nightly sweep for people who verify later), or an agent staff
confirmed at a counter against the agent's own verified identity. Everything a citizen sees of a business goes
through `own_business`, so nobody reads a business they are not linked to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.businesses import messages
from miniapp_api.businesses.models import Business, BusinessKind, BusinessLink, LinkRole
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT
from miniapp_api.licences.models import Licence
from miniapp_api.platform import csv_rows
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform.privacy import FieldCipher, credit_code_is_valid, id_number_is_valid
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import audit

BUSINESS_NOT_FOUND = "business_not_found"
CITIZEN_NOT_VERIFIED = "citizen_not_verified"
ALREADY_LINKED = "already_linked"

COLUMNS = ("统一社会信用代码", "名称", "类型", "行业代码", "规模", "注册地址", "所属区划", "成立日期", "法定代表人",
           "法定代表人身份证号", "从业人数")
REQUIRED = COLUMNS[:-2]
KINDS = {"企业": BusinessKind.ENTERPRISE, "个体工商户": BusinessKind.INDIVIDUAL}
SIZES = {"大型": "large", "中型": "medium", "小型": "small", "微型": "micro"}
LIMITS = {"名称": 100, "注册地址": 200, "法定代表人": 40}
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
    return report


# The registry's representatives who are face-verified citizens, linked once (the partial unique index and
# ON CONFLICT DO NOTHING make a second run add nothing); a representative the registry replaced loses the link.
LINK_REPRESENTATIVES = """
WITH gone AS (
    UPDATE business_link l SET revoked_at = :now
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
                  name: str) -> BusinessLink:
    """At a counter, staff confirm a verified citizen as the business's agent (经办人), having seen the
    authorisation letter and the agent's ID card. Audit-logged."""
    citizen = session.scalars(select(Citizen).where(Citizen.verified_id_hash == cipher.lookup_hash(
        id_number.upper(), context=ID_NUMBER_CONTEXT))).one_or_none()
    if citizen is None:
        raise DomainError(messages.CITIZEN_NOT_VERIFIED, code=CITIZEN_NOT_VERIFIED, status=422,
                          fields={"id_number": messages.CITIZEN_NOT_VERIFIED})
    if citizen.real_name != name:
        raise DomainError(messages.NAME_MISMATCH, code=CITIZEN_NOT_VERIFIED, status=422,
                          fields={"name": messages.NAME_MISMATCH})
    business = session.scalars(select(Business).where(Business.credit_code == credit_code.upper())).one_or_none()
    if business is None:
        raise NotFound(messages.BUSINESS_NOT_FOUND, code=BUSINESS_NOT_FOUND)
    live = session.scalars(select(BusinessLink).where(BusinessLink.business_id == business.id,
                                                      BusinessLink.citizen_id == citizen.id,
                                                      BusinessLink.revoked_at.is_(None))).one_or_none()
    if live is not None:
        raise DomainError(messages.ALREADY_LINKED.format(role=messages.ROLE_NAMES[live.role]), code=ALREADY_LINKED,
                          status=409)
    link = BusinessLink(business_id=business.id, citizen_id=citizen.id, role=LinkRole.AGENT, source="counter",
                        staff_id=staff.id)
    session.add(link)
    session.flush()
    link.business = business
    audit(session, staff, "business.agent_confirmed", "business", business.id, citizen_id=citizen.id)
    return link


def citizen_businesses(session: Session, citizen_id: int) -> list[tuple[Business, BusinessLink]]:
    return list(session.execute(select(Business, BusinessLink).join(BusinessLink, BusinessLink.business_id == Business.id)
                                .where(BusinessLink.citizen_id == citizen_id, BusinessLink.revoked_at.is_(None))
                                .order_by(Business.name)).tuples())


def agents_of(session: Session, credit_code: str) -> list[int]:
    """The citizens acting for the business in the app, its representative first."""
    return list(session.scalars(select(BusinessLink.citizen_id).join(Business, Business.id == BusinessLink.business_id)
                                .where(Business.credit_code == credit_code, BusinessLink.revoked_at.is_(None))
                                .order_by(BusinessLink.role != "representative", BusinessLink.id)))


def own_business(session: Session, citizen_id: int, business_id: int) -> tuple[Business, BusinessLink]:
    """A business the citizen is linked to; 404 for any other (existence is not leaked)."""
    found = session.execute(select(Business, BusinessLink).join(BusinessLink, BusinessLink.business_id == Business.id)
                            .where(Business.id == business_id, BusinessLink.citizen_id == citizen_id,
                                   BusinessLink.revoked_at.is_(None))).tuples().one_or_none()
    if found is None:
        raise NotFound(messages.BUSINESS_NOT_FOUND, code=BUSINESS_NOT_FOUND)
    return found


def business_licences(session: Session, business: Business) -> list[Licence]:
    """The licences held by the business (by its credit code), newest expiry first."""
    return list(session.scalars(select(Licence).where(Licence.credit_code == business.credit_code)
                                .order_by(Licence.expires_on.desc())))
