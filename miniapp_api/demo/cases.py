"""Demo staff account, applications and licences for trying the applications side (development only).

Created once (when the demo manager does not exist yet); the password is random and shown once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.applications import services as applications
from miniapp_api.applications.models import ApplicationStatus as S
from miniapp_api.appointments.queue import issue_ticket
from miniapp_api.centres import calendar
from miniapp_api.centres.models import Centre, CentreLevel, ServiceItem
from miniapp_api.citizens.models import Citizen
from miniapp_api.demo.projects import seed_projects
from miniapp_api.feedback.models import Feedback
from miniapp_api.feedback.services import sla_days
from miniapp_api.licences.services import import_csv
from miniapp_api.platform.clock import local_date
from miniapp_api.platform.privacy import FieldCipher, credit_check_char, id_check_digit
from miniapp_api.staff.models import Role, Staff
from miniapp_api.staff.services import create_staff

DEMO_MANAGER = "demo-manager"
DEMO_SITE_CLERK = "demo-site"       # a 代办点 clerk (the same password): the site desk only
SITES = (("蒋官屯街道李庄村代办点", "蒋官屯街道李庄村村委会一楼"), ("农商银行开发区支行代办点", "开发区东昌路农商银行一楼大厅"))
DEMO_PHONE = "13800001234"
DISTRICT = "聊城经济技术开发区政务服务中心"


@dataclass(frozen=True)
class DemoCases:
    username: str
    password: str
    references: list[str]


def _id_number(n: int) -> str:
    first17 = f"371502198501{n:02d}{n:03d}"
    return first17 + id_check_digit(first17)


def _credit_code(n: int) -> str:
    first17 = f"92371500MA3C{n:05d}"
    return first17 + credit_check_char(first17)


def seed_cases(session: Session, cipher: FieldCipher, now: datetime) -> DemoCases | None:
    if session.scalar(select(Staff.id).where(Staff.username == DEMO_MANAGER)):
        return None
    district = session.scalars(select(Centre).where(Centre.name == DISTRICT)).one()
    items = {i.name: i for i in session.scalars(select(ServiceItem))}
    password = secrets.token_urlsafe(12) + "9a"
    # Every role, so one account shows every console page (admins also see the notification page).
    manager = create_staff(session, username=DEMO_MANAGER, display_name="演示负责人", password=password,
                           roles=["admin", "centre_manager", "window_staff", "feedback_handler", "supervisor"],
                           centre_ids=[district.id])
    food, licence_item = items["食品经营许可证（新办）"], items["食品经营许可证（延续）"]
    business = applications.Applicant("business", "聊城运河小厨餐饮店", credit_code=_credit_code(1), phone=DEMO_PHONE)
    owed = applications.intake(session, cipher, manager, item_code=food.code, centre_id=district.id,
                               applicant=business, now=now, accept=applications.Advance(
                                   S.ACCEPTED_PENDING_MATERIALS, missing_materials=["从业人员健康证明"],
                                   promise_text="本店承诺于期限内补交从业人员健康证明。",
                                   materials_due_on=(now + timedelta(days=10)).date()))
    person = applications.Applicant("person", "李娜", id_number=_id_number(1), phone=DEMO_PHONE)
    correcting = applications.intake(session, cipher, manager, item_code=items["不动产登记"].code,
                                     centre_id=district.id, applicant=person, now=now,
                                     accept=applications.Advance(S.ACCEPTED))
    for step in (applications.Advance(S.IN_REVIEW), applications.Advance(
            S.NEEDS_CORRECTION, corrections=[("不动产权籍调查表", "宗地图比例尺不清晰，请重新打印")])):
        applications.advance(session, manager, correcting, step, now)
    ready = applications.intake(session, cipher, manager, item_code=items["残疾人证办理"].code,
                                centre_id=district.id, applicant=person, now=now,
                                accept=applications.Advance(S.ACCEPTED))
    for target in (S.IN_REVIEW, S.APPROVED, S.READY_FOR_PICKUP):
        applications.advance(session, manager, ready, applications.Advance(target), now)
    # A renewal done and collected: completing it issues 李娜's electronic certificate (the worker runs the
    # completion event), shown under 我的证照 with its QR code.
    renewed = applications.intake(session, cipher, manager, item_code=items["特种设备作业人员证复审"].code,
                                  centre_id=district.id, applicant=person, now=now,
                                  accept=applications.Advance(S.ACCEPTED))
    for target in (S.IN_REVIEW, S.APPROVED, S.COMPLETED):
        applications.advance(session, manager, renewed, applications.Advance(target), now)
    soon = now.date() + timedelta(days=60)
    import_csv(session, cipher, "\n".join((
        "证照类型,证照编号,持证类型,持证人,统一社会信用代码,联系人身份证号,发证日期,到期日期,延续事项编码",
        f"食品经营许可证,JY13715020000001,企业,聊城运河小厨餐饮店,{_credit_code(1)},{_id_number(1)},"
        f"{date(soon.year - 5, soon.month, min(soon.day, 28))},{soon},{licence_item.code}",
    )) + "\n", issuing_centre_id=district.id, now=now)
    _seed_counter_and_feedback(session, district, manager, now)
    seed_projects(session, manager, district, password, now)
    _seed_sites(session, district, password)
    return DemoCases(DEMO_MANAGER, password, [owed.reference, correcting.reference, ready.reference,
                                              renewed.reference])


def _seed_sites(session: Session, district: Centre, password: str) -> None:
    """Two 代办点 under the district hall, as Gaotang runs them in villages and banks, and their clerk
    (`demo-site`, the demo password): the desk takes requests and materials for the hall."""
    sites = [Centre(name=name, level=CentreLevel.SITE, parent_id=district.id, region=district.region,
                    address=address) for name, address in SITES]
    session.add_all(sites)
    session.flush()
    create_staff(session, username=DEMO_SITE_CLERK, display_name="演示代办员", password=password,
                 roles=[Role.SITE_CLERK], centre_ids=[s.id for s in sites])


def _seed_counter_and_feedback(session: Session, district: Centre, manager: Staff, now: datetime) -> None:
    """People waiting at the first window today and a complaint in the inbox, so the console has work."""

    window = district.windows[0]
    for _ in range(6):
        issue_ticket(session, window=window, item_id=window.items[0].id, now=now)
    citizen = Citizen(openid="o-demo-feedback", real_name="王建国")
    session.add(citizen)
    session.flush()
    today, days = local_date(now), sla_days(session, "complaint")
    session.add(Feedback(citizen_id=citizen.id, kind="complaint", centre_id=district.id, status="assigned",
                         assignee_staff_id=manager.id, content_check="pass", contact_ok=False, anonymous=False,
                         text="上午在综合窗口排了一个多小时，叫号屏坏了也没人提醒，希望改进。", photos=[],
                         sla_days=days, due_on=calendar.add_working_days(session, today, days),
                         remind_on=calendar.add_working_days(session, today, max(1, days // 2)), updated_at=now))
