"""Factories for test data (factory-boy on the test's SQLAlchemy session) and small builders on top."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from config.settings import new_signing_key
from miniapp_api.applications import services
from miniapp_api.appointments.models import BookingSuspension, Slot
from miniapp_api.appointments.queue import issue_ticket
from miniapp_api.appointments.slots import sync_slots
from miniapp_api.assistance.models import AssistanceRequest
from miniapp_api.businesses.models import Business, BusinessLink
from miniapp_api.centres.models import Centre, CentreClosure, OpeningPeriod, ServiceItem, Window
from miniapp_api.certificates.models import Certificate
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, update_profile
from miniapp_api.feedback.models import Feedback
from miniapp_api.files.models import FileAttachment, StoredFile
from miniapp_api.filing.models import Filing
from miniapp_api.guidance.models import GuideEntry, GuideScenario, GuideSynonym
from miniapp_api.identity.services import apply_verified_identity, invite_relative
from miniapp_api.inspections.models import Inspection, InspectorSlot
from miniapp_api.licences.models import Licence
from miniapp_api.platform.clock import SHANGHAI, local_date, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.privacy import FieldCipher, credit_check_char, id_check_digit
from miniapp_api.policies.models import (
    PolicyDocument,
    PolicyGrant,
    PolicyItem,
    PolicyMatch,
    PolicyRule,
)
from miniapp_api.ratings.models import Rating
from miniapp_api.ratings.rectifications import open_rectification
from miniapp_api.staff.services import create_staff

# Monday 23 November 2026, 08:00 in Shanghai: an ordinary working day.
MONDAY_8AM = datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI)

# The cryptographic suite of this run (scripts/crypto.sh runs the suites that seal, hash and sign again under gm).
TEST_CRYPTO_SUITE = os.environ.get("BANSHI_TEST_CRYPTO_SUITE", "intl")


def new_test_signing_key() -> str:
    """A fresh signing key of this run's suite (base64 of its 32 private bytes)."""
    return new_signing_key(TEST_CRYPTO_SUITE)


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class CentreFactory(_Factory):
    class Meta:
        model = Centre

    name = factory.Sequence(lambda n: f"测试政务服务中心{n}")
    level = "district"
    region = "开发区"
    latitude = 36.43
    longitude = 116.05


class ItemFactory(_Factory):
    class Meta:
        model = ServiceItem

    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    audience = "citizen"
    duration_minutes = 15
    pinyin_initials = "cssx"


class WindowFactory(_Factory):
    class Meta:
        model = Window

    name = factory.Sequence(lambda n: f"窗口{n}")
    kind = "general"
    counters = 2
    slot_minutes = 15


def id_number(n: int) -> str:
    first17 = f"371502{19800101 + n % 28:08d}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def citizen_with_identity(session, cipher: FieldCipher, n: int, *, name: str = "张三",
                          verified: bool = True) -> Citizen:
    """A citizen who has entered real name and ID number and (unless told otherwise) passed face verification:
    the identity is applied by the same service a passed face check calls."""
    citizen = Citizen(openid=f"o-test-{n}")
    session.add(citizen)
    session.flush()
    if not verified:
        return update_profile(session, cipher, citizen, real_name=name, id_number=id_number(n))
    return apply_verified_identity(session, cipher, citizen, real_name=name, id_number=id_number(n),
                                   now=datetime(2026, 11, 1, tzinfo=timezone.utc))


def person_hash(cipher: FieldCipher, n: int) -> str:
    return cipher.lookup_hash(id_number(n), context=ID_NUMBER_CONTEXT)


WEEKDAY_HOURS = [(time(8, 30), time(12, 0)), (time(13, 30), time(17, 0))]


@dataclass
class Hall:
    centre: Centre
    general: Window
    express: Window
    quick: ServiceItem   # 15 minutes, high-frequency: general and express windows
    slow: ServiceItem    # 40 minutes: three 15-minute slots, general window only

    def slot(self, session, window: Window, local: str) -> Slot:
        """The slot at `window` starting at local time 'YYYY-MM-DD HH:MM' (Asia/Shanghai)."""
        starts = datetime.fromisoformat(local).replace(tzinfo=SHANGHAI)
        return session.scalars(select(Slot).where(Slot.window_id == window.id, Slot.starts_at == starts)).one()


def build_hall(session, now: datetime, *, counters: int = 2, weekend_hours: bool = False) -> Hall:
    centre = CentreFactory()
    for weekday in range(5):
        for opens, closes in WEEKDAY_HOURS:
            centre.hours.append(OpeningPeriod(weekday=weekday, opens=opens, closes=closes))
    if weekend_hours:
        centre.hours.append(OpeningPeriod(weekday=5, opens=time(9, 0), closes=time(12, 0), label="周六服务"))
    quick = ItemFactory(high_frequency=True, duration_minutes=15)
    slow = ItemFactory(duration_minutes=40)
    general = WindowFactory(centre_id=centre.id, kind="general", counters=counters, items=[quick, slow])
    express = WindowFactory(centre_id=centre.id, kind="express", counters=1, slot_minutes=10, items=[quick])
    session.flush()
    session.expire(centre, ["windows"])
    sync_slots(session, centre.id, now)
    return Hall(centre, general, express, quick, slow)


def local_day(moment: datetime) -> date:
    return local_date(moment)


STAFF_PASSWORD = "counter-Pass-2026"
_staff_numbers = itertools.count(1)


def make_staff(session, centres: list[Centre], roles: tuple[str, ...] = ("window_staff",), *,
               username: str | None = None, name: str = "王芳"):
    username = username or f"staff{next(_staff_numbers)}"
    return create_staff(session, username=username, display_name=name, password=STAFF_PASSWORD, roles=list(roles),
                        centre_ids=[c.id for c in centres])


def credit_code(n: int) -> str:
    first17 = f"91371500MA{n:07d}"
    return first17 + credit_check_char(first17)


def representative_login(session, verified_login, business: Business, name: str, n: int, openid: str) -> dict:
    """A face-verified citizen (id_number(n)) logged in over HTTP and registered as the business's legal
    representative, committed; their auth header."""
    headers = verified_login(name, id_number(n), openid=openid)
    citizen = session.scalars(select(Citizen).where(Citizen.openid == openid)).one()
    session.add(BusinessLink(business_id=business.id, citizen_id=citizen.id, role="representative", source="registry"))
    session.commit()
    return headers


def business_with_agent(session, cipher: FieldCipher, n: int, *, now: datetime, registered_on: date | None = None,
                        agent_term: timedelta = timedelta(days=365)) -> tuple[Business, Citizen, Citizen]:
    """A restaurant (credit_code(n)), its registered representative 周老板 (verified, id_number(n)) and an agent
    吴会计 (verified, id_number(n + 1)) confirmed at a counter, in force for `agent_term` from `now`. Flushed."""
    representative = citizen_with_identity(session, cipher, n, name="周老板")
    agent = citizen_with_identity(session, cipher, n + 1, name="吴会计")
    business = Business(credit_code=credit_code(n), name="聊城市周记餐饮有限公司", kind="enterprise",
                        industry_code="H62", size_class="micro", address="聊城", region="371502",
                        registered_on=registered_on or now.date(), representative_name="周老板",
                        representative_id_hash=representative.verified_id_hash)
    session.add(business)
    session.flush()
    session.add_all([BusinessLink(business_id=business.id, citizen_id=representative.id, role="representative",
                                  source="registry"),
                     BusinessLink(business_id=business.id, citizen_id=agent.id, role="agent", source="counter",
                                  expires_at=now + agent_term)])
    session.flush()
    return business, representative, agent


def operator_review_hall(session, **staff_options):
    """A district centre handling 特种设备作业人员证复审 (its completion renews an operator's certificate), and a
    window clerk; plus a logistics company whose agent follows its batches in the app."""
    centre = CentreFactory(region="开发区")
    item = ItemFactory(name="特种设备作业人员证复审", audience="citizen")
    WindowFactory(centre_id=centre.id, items=[item])
    clerk = make_staff(session, [centre], ("window_staff",), **staff_options)
    company = Business(credit_code=credit_code(88), name="聊城市开发区物流有限公司", kind="enterprise",
                       industry_code="G5430", size_class="medium", address="聊城", region="371571",
                       registered_on=date(2015, 1, 1), representative_name="孙经理")
    number = next(_staff_numbers)
    # Staff confirm an agent only against a face-verified identity (businesses.confirm_agent).
    agent = Citizen(openid=f"o-batch-agent-{number}", real_name="李经办", verified_id_hash=f"batch-agent-{number}")
    session.add_all([company, agent])
    session.flush()
    session.add(BusinessLink(business_id=company.id, citizen_id=agent.id, role="agent", source="counter"))
    session.commit()
    return dict(centre=centre, item=item, clerk=clerk, company=company, agent=agent)


def casework_world(db_session, cipher) -> dict:
    """Two centres; the home one holds one of everything staff work on (window, ticket, application with a
    容缺 material, batch, licence, feedback, rating with its rectification, booking suspension)."""

    home, other = CentreFactory(), CentreFactory()
    home.hours.append(OpeningPeriod(weekday=0, opens=time(8, 30), closes=time(12, 0)))
    item = ItemFactory()
    window = WindowFactory(centre_id=home.id, items=[item])
    db_session.flush()
    ticket = issue_ticket(db_session, window=window, item_id=item.id, now=MONDAY_8AM)
    home_staff = make_staff(db_session, [home], ("centre_manager",))
    outsider = make_staff(db_session, [other], ("centre_manager",))
    application = services.intake(
        db_session, cipher, home_staff, item_code=item.code, centre_id=home.id,
        applicant=services.Applicant("person", "周敏", id_number=id_number(5), phone="13700001234"), now=MONDAY_8AM,
        accept=services.Advance(services.S.ACCEPTED_PENDING_MATERIALS, missing_materials=["照片"],
                                promise_text="承诺补交", materials_due_on=MONDAY_8AM.date()))
    batch = services.create_batch(db_session, cipher, home_staff, item_code=item.code, centre_id=home.id,
                                  title="批量", business_name="某公司", credit_code=None,
                                  members=[services.Applicant("person", "周敏", id_number=id_number(6))],
                                  now=MONDAY_8AM)
    licence = Licence(licence_type="食品经营许可证", number="JY-1", holder_type="person", holder_name="周敏",
                      issuing_centre_id=home.id, issued_on=MONDAY_8AM.date(), expires_on=MONDAY_8AM.date())
    db_session.add(licence)
    db_session.flush()
    certificate = Certificate(identifier="1120371571202600000" + "1", type_code="1120", type_name="食品经营许可证",
                              licence_id=licence.id, holder_type="person", holder_name="周敏",
                              issuing_centre_id=home.id, issued_on=MONDAY_8AM.date(), expires_on=MONDAY_8AM.date(),
                              payload={}, signature="", key_id="0" * 16, verify_token="matrix-token-0001")
    db_session.add(certificate)
    citizen = Citizen(openid="o-matrix-citizen")
    db_session.add(citizen)
    db_session.flush()
    feedback = Feedback(citizen_id=citizen.id, kind="complaint", text="窗口人员态度不好", centre_id=home.id,
                        content_check="pass", status="submitted", sla_days=15, due_on=MONDAY_8AM.date(),
                        remind_on=MONDAY_8AM.date(), updated_at=MONDAY_8AM, photos=[])
    rating = Rating(citizen_id=citizen.id, target_type="application", target_id=application.id, level=1,
                            centre_id=home.id, created_at=MONDAY_8AM, tags=[], invalidation={})
    db_session.add_all([feedback, rating])
    db_session.flush()
    # The case also came in online (网上申报): the form behind it.
    db_session.add(Filing(citizen_id=citizen.id, item_id=item.id, centre_id=home.id, values={}, materials={},
                          deferred=[], delivery="pickup", status="submitted", application_id=application.id,
                          created_at=MONDAY_8AM, updated_at=MONDAY_8AM, submitted_at=MONDAY_8AM))
    # A remote inspection of the case, in the home manager's time.
    slot = InspectorSlot(staff_id=home_staff.id, centre_id=home.id, starts_at=MONDAY_8AM + timedelta(days=1),
                         ends_at=MONDAY_8AM + timedelta(days=1, minutes=30))
    db_session.add(slot)
    db_session.flush()
    inspection = Inspection(application_id=application.id, inspector_staff_id=home_staff.id, slot_id=slot.id,
                            checklist=[{"key": "layout", "text": "布局与平面图一致", "evidence": "photo"}], evidence={},
                            status="scheduled", created_at=MONDAY_8AM)
    db_session.add(inspection)
    # The complaint's photo (metadata only: the staff routes answer with a link, not the bytes).
    photo = StoredFile(owner_citizen_id=citizen.id, purpose="feedback", kind="image", content_type="image/jpeg",
                       size=1, sha256="0" * 64, created_at=MONDAY_8AM)
    db_session.add(photo)
    db_session.flush()
    feedback.photos = [photo.id]
    db_session.add(FileAttachment(file_id=photo.id, subject_type="feedback", subject_id=feedback.id,
                                  centre_id=home.id, created_at=MONDAY_8AM))
    rectification = open_rectification(db_session, source=("rating", rating.id), citizen_id=citizen.id,
                                       centre_id=home.id, window_id=None, item_id=None, staff_id=None,
                                       summary="差评", level_name="非常不满意", now=MONDAY_8AM,
                                       rating_id=rating.id)
    suspension = BookingSuspension(person_hash="f" * 64, centre_id=home.id, until=utcnow() + timedelta(days=30),
                                   reason="90天内3次预约未到场")
    db_session.add(suspension)
    # 暂停服务 arranged for a day well ahead (the console's closures page lists it and may lift it).
    closure = CentreClosure(centre_id=home.id, day=local_date(utcnow()) + timedelta(days=40), reason="系统升级",
                            created_by="staff:0")
    db_session.add(closure)
    delegate = citizen_with_identity(db_session, cipher, 7001, name="周小明")
    invitation = invite_relative(db_session, cipher, delegate, name="周大爷", id_number=id_number(7002),
                                 relation="父母", scopes=["book", "view"], valid_days=365, now=utcnow())
    # A business with an agent confirmed at a counter (its link runs a year).
    business = Business(credit_code=credit_code(77), name="聊城市周记餐饮有限公司", kind="enterprise",
                        industry_code="H62", size_class="micro", address="聊城", region="371502",
                        registered_on=date(2020, 1, 1), representative_name="周老板")
    agent = citizen_with_identity(db_session, cipher, 7003, name="周经办")
    db_session.add(business)
    db_session.flush()
    agent_link = BusinessLink(business_id=business.id, citizen_id=agent.id, role="agent", source="counter",
                              expires_at=utcnow() + timedelta(days=365))
    db_session.add(agent_link)
    item.owner_centre_id, item.department = home.id, "市场监管局"
    guide = guidance_world(db_session, home, item)
    policy = policy_world(db_session, home, citizen)
    # A 帮办代办 request to the home centre, waiting for a helper.
    assistance = AssistanceRequest(citizen_id=citizen.id, centre_id=home.id, item_id=item.id, content_check="pass",
                                   status="submitted", contact_days=1, contact_due_on=MONDAY_8AM.date(),
                                   updated_at=MONDAY_8AM)
    db_session.add(assistance)
    db_session.commit()
    return dict(assistance=assistance, business=business, agent_link=agent_link, inspection=inspection, certificate=certificate, photo=photo, policy=policy, guide=guide, invite_code=invitation.code, suspension=suspension, closure=closure, other=other, home=home, item=item, home_staff=home_staff, outsider=outsider, application=application,
                batch=batch, licence=licence, feedback=feedback, window=window, ticket=ticket, rating=rating, rectification=rectification)


BUSINESS_RULE = {"subject": "business", "all": [{"fact": "size_class", "op": "in", "value": ["micro"]}]}
BUSINESS_CASES = [{"name": "微型", "facts": {"size_class": "micro"}, "eligible": True},
                  {"name": "中型", "facts": {"size_class": "medium"}, "eligible": False, "failed": ["size_class"]}]


def policy_world(session, home: Centre, citizen: Citizen) -> dict:
    """A published 免申即享 item of the home centre about businesses, one business, its match confirmed by the
    citizen and the grant case waiting for review."""
    document = PolicyDocument(title="测试政策文件", department="测试局", centre_id=home.id, issued_on=date(2026, 1, 1),
                              summary="白话解读")
    session.add(document)
    session.flush()
    item = PolicyItem(document_id=document.id, code=f"T-{document.id}", title="小微企业测试补贴", benefit="1000元",
                      mode="exempt", subject="business", category="企业发展", valid_from=date(2026, 1, 1),
                      valid_until=date(2030, 12, 31), owner_department="测试局", status="draft")
    session.add(item)
    session.flush()
    rule = PolicyRule(policy_item_id=item.id, version=1, rule=BUSINESS_RULE, cases=BUSINESS_CASES,
                      published_at=MONDAY_8AM)
    session.add(rule)
    session.flush()
    item.rule_id, item.status, item.published_at = rule.id, "published", MONDAY_8AM
    business = Business(credit_code=credit_code(99), name="测试小店", kind="individual", industry_code="F52",
                        size_class="micro", address="聊城", region="371502", registered_on=date(2024, 1, 1),
                        representative_name="周敏")
    session.add(business)
    session.flush()
    match = PolicyMatch(policy_item_id=item.id, rule_id=rule.id, business_id=business.id, status="confirmed",
                        matched_at=MONDAY_8AM, answered_at=MONDAY_8AM, answered_by_citizen_id=citizen.id)
    session.add(match)
    session.flush()
    grant = PolicyGrant(reference=f"ZCT{match.id:08d}", match_id=match.id, policy_item_id=item.id,
                        citizen_id=citizen.id, business_id=business.id, account_name="周敏", bank="工商银行",
                        account_enc="x", account_last4="1234", status="reviewing", matched_at=MONDAY_8AM,
                        confirmed_at=MONDAY_8AM)
    session.add(grant)
    session.flush()
    return dict(document=document, item=item, business=business, match=match, grant=grant)


def guidance_world(session, home: Centre, item) -> dict:
    """A published Q&A entry and scenario and a synonym group owned by `home` (codes and the group's id)."""
    common = {"version": 1, "status": "published", "owner_centre_id": home.id, "department": "综合服务",
              "created_by": "测试", "published_by": "测试", "published_at": MONDAY_8AM}
    session.add(GuideEntry(code="matrix-entry", question="测试问题", answer="测试答案", variants=[],
                           item_codes=[item.code], scenario_codes=[], centre_ids=[], **common))
    session.add(GuideScenario(code="matrix-scenario", title="测试情景", summary="测试", audience="citizen",
                              questions=[{"key": "first", "text": "是否第一次？", "kind": "yesno"}],
                              outcomes=[{"item": item.code}], **common))
    group = GuideSynonym(words=["测试", "试验"], status="published", owner_centre_id=home.id, department="综合服务",
                         created_by="测试")
    session.add(group)
    session.flush()
    return {"entry": "matrix-entry", "scenario": "matrix-scenario", "synonyms": group.id}


def reloaded(session, obj):
    """The row as the database has it now. Requests close the session that loaded a test's objects, so
    those objects keep stale values: assertions about what a request did must read the row again."""
    session.expire_all()
    return session.get(type(obj), obj.id)
