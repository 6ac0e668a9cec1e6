"""Demo 重点项目帮办代办: key projects of the development zone, modelled on its report (a 重点项目帮办代办项目库 of 89
projects, 56.79 billion yuan, with service officers (服务专员) from 11 departments). Names and figures are made up."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from miniapp_api.businesses.models import Business
from miniapp_api.centres.models import Centre
from miniapp_api.platform.clock import local_date
from miniapp_api.platform.privacy import credit_check_char
from miniapp_api.projects import services as projects
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import create_staff

# (project, enterprise, 万元, location, [(stage, milestone, days from today (negative: past), done)])
PROJECTS = (
    ("新能源汽车零部件产业园项目", "聊城开发区新能源科技有限公司", 350000, "聊城经济技术开发区东外环路以东", (
        ("approval", "企业投资项目备案", -120, True), ("land", "建设用地规划许可证", -60, True),
        ("planning", "建设工程规划许可证", -5, False), ("construction", "建筑工程施工许可证", 40, False),
        ("acceptance", "竣工联合验收", 400, False))),
    ("高端装备智能制造项目", "聊城开发区精工装备制造有限公司", 120000, "聊城经济技术开发区黄河路北", (
        ("approval", "企业投资项目备案", -30, True), ("land", "土地出让合同签订", 20, False),
        ("planning", "建设工程规划许可证", 80, False))),
    ("冷链物流中心项目", "聊城开发区冷链物流有限公司", 45000, "聊城经济技术开发区蒋官屯街道", (
        ("approval", "企业投资项目备案", -200, True), ("land", "不动产权证书", -150, True),
        ("planning", "建设工程规划许可证", -100, True), ("construction", "建筑工程施工许可证", -50, True),
        ("acceptance", "消防验收", -3, False), ("acceptance", "竣工联合验收", 30, False))),
)
OFFICERS = (("demo-officer-zrzy", "刘专员", "自然资源局"), ("demo-officer-zj", "陈专员", "住建局"))


def _credit_code(n: int) -> str:
    first17 = f"91371500MA3P{n:05d}"
    return first17 + credit_check_char(first17)


def seed_projects(session: Session, manager: Staff, district: Centre, password: str, now: datetime) -> int:
    """Once, with the demo cases: three projects at different stages, one late; the demo manager leads them."""
    today = local_date(now)
    officers = [create_staff(session, username=username, display_name=name, password=password,
                             roles=["window_staff"], centre_ids=[district.id]) for username, name, _ in OFFICERS]
    for n, (name, enterprise, investment, location, plan) in enumerate(PROJECTS, start=1):
        business = Business(credit_code=_credit_code(n), name=enterprise, kind="enterprise", industry_code="C36",
                            size_class="large", address=location, region="371571",
                            registered_on=today - timedelta(days=900), representative_name="演示法人")
        session.add(business)
        session.flush()
        project = projects.create_project(session, manager, name=name, credit_code=business.credit_code,
                                          centre_id=district.id, investment_wan=investment, location=location,
                                          lead_staff_id=manager.id)
        for officer, (_, _, department) in zip(officers, OFFICERS, strict=True):
            projects.add_officer(session, manager, project.id, officer.id, department, now)
        for stage, title, days, done in plan:
            milestone = projects.add_milestone(session, manager, project.id, stage=stage, title=title,
                                               target_on=today + timedelta(days=days))
            if done:
                milestone.done_on, milestone.done_by_staff_id = today + timedelta(days=min(days, 0)), manager.id
    session.flush()
    return len(PROJECTS)
