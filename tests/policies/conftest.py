"""A world for 政策快享 tests: the 15 demo policies published, and people and businesses with known facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from miniapp_api.businesses.models import Business, BusinessLink
from miniapp_api.demo.policies import seed_policies
from miniapp_api.licences.models import Licence
from miniapp_api.policies.models import PersonFact, PolicyDocument, PolicyGrant, PolicyItem, PolicyMatch, PolicyRule
from tests.factories import CentreFactory, citizen_with_identity, credit_code, person_hash

# 10:00 in Shanghai on 2026-11-26: every age and registration month below is counted from this day.
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 26)


@dataclass
class World:
    centre: object
    citizens: dict[str, int]          # fact-set name → citizen id
    businesses: dict[str, int]        # fact-set name → business id
    items: dict[str, PolicyItem]      # code → item


def add_person(session, cipher, n: int, *, birth: date | None, hukou: str | None = None, disability: int | None = None,
               licences: tuple[tuple[str, date], ...] = (), centre=None):
    citizen = citizen_with_identity(session, cipher, n, name=f"测试{n}")
    if birth is not None:
        session.add(PersonFact(id_hash=citizen.verified_id_hash, birth_date=birth, hukou_region=hukou,
                               disability_level=disability, updated_at=NOW))
    for k, (licence_type, expires) in enumerate(licences):
        session.add(Licence(licence_type=licence_type, number=f"P{n}-{k}", holder_type="person", holder_name=f"测试{n}",
                            contact_id_hash=person_hash(cipher, n), issuing_centre_id=centre.id,
                            issued_on=date(2020, 1, 1), expires_on=expires))
    return citizen


def add_business(session, n: int, *, registered: date, kind: str = "enterprise", size: str = "small",
                 industry: str = "H6210", region: str = "371502", employees: int | None = None,
                 licences: tuple[tuple[str, date], ...] = (), centre=None) -> Business:
    business = Business(credit_code=credit_code(n), name=f"测试企业{n}", kind=kind, industry_code=industry,
                        size_class=size, address="聊城市东昌府区测试路1号", region=region, registered_on=registered,
                        representative_name="刘洋", employees=employees)
    session.add(business)
    session.flush()
    for k, (licence_type, expires) in enumerate(licences):
        session.add(Licence(licence_type=licence_type, number=f"B{n}-{k}", holder_type="business",
                            holder_name=business.name, credit_code=business.credit_code, issuing_centre_id=centre.id,
                            issued_on=date(2020, 1, 1), expires_on=expires))
    return business


def link(session, business: Business, citizen_id: int, role: str = "representative") -> None:
    session.add(BusinessLink(business_id=business.id, citizen_id=citizen_id, role=role, source="registry"))
    session.flush()


def paid_grant(session, centre, category: str, *, citizen_id: int | None = None, business_id: int | None = None,
               paid_at: datetime) -> None:
    """A benefit of `category` already paid (a past, stopped item): the 'received this year' fact."""
    document = session.scalars(select(PolicyDocument).where(PolicyDocument.title == "往期政策")).first()
    if document is None:
        document = PolicyDocument(title="往期政策", department="测试部门", centre_id=centre.id,
                                  issued_on=date(2025, 1, 1), summary="往期")
        session.add(document)
        session.flush()
    subject = "person" if citizen_id else "business"
    item = PolicyItem(document_id=document.id, code=f"PAST-{category}-{citizen_id}-{business_id}", title="往期补贴",
                      benefit="往期", mode="exempt", subject=subject, category=category, valid_from=date(2025, 1, 1),
                      valid_until=date(2025, 12, 31), owner_department="测试部门", status="retired")
    session.add(item)
    session.flush()
    rule = PolicyRule(policy_item_id=item.id, version=1, rule={"subject": subject, "all": []}, cases=[])
    session.add(rule)
    session.flush()
    match = PolicyMatch(policy_item_id=item.id, rule_id=rule.id, citizen_id=citizen_id, business_id=business_id,
                        status="confirmed", matched_at=paid_at)
    session.add(match)
    session.flush()
    session.add(PolicyGrant(reference=f"ZCPAST{match.id:06d}", match_id=match.id, policy_item_id=item.id,
                            citizen_id=citizen_id, business_id=business_id, account_name="测试", bank="测试银行",
                            account_enc="x", account_last4="1234", status="paid", matched_at=paid_at,
                            confirmed_at=paid_at, reviewed_at=paid_at, paid_at=paid_at))
    session.flush()


@pytest.fixture
def published(db_session):
    """The 15 demo policy items, published (by the demo seeder, which runs every case first)."""
    centre = CentreFactory(name="聊城市政务服务中心")
    db_session.flush()
    assert seed_policies(db_session, NOW, centre=centre) == 15
    items = {i.code: i for i in db_session.scalars(select(PolicyItem))}
    return centre, items
