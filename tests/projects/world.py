"""A key project to test with: built through the services, as the console would."""

from __future__ import annotations

from datetime import date

from miniapp_api.projects import services
from tests.factories import MONDAY_8AM


def key_project(session, manager, centre, business, lead, *, officers=(), milestones=()) -> dict:
    """`milestones`: (stage, title, target date) tuples. Flushed; returns the project and its milestones."""
    project = services.create_project(session, manager, name="聊城某新材料产业园项目", credit_code=business.credit_code,
                                      centre_id=centre.id, investment_wan=120000, location="聊城经济技术开发区东外环路",
                                      lead_staff_id=lead.id)
    for officer, department in officers:
        services.add_officer(session, manager, project.id, officer.id, department, MONDAY_8AM)
    made = [services.add_milestone(session, manager, project.id, stage=stage, title=title, target_on=target)
            for stage, title, target in milestones]
    session.flush()
    return {"project": project, "milestones": made}


PLAN = (("approval", "项目备案", date(2026, 11, 10)), ("land", "建设用地规划许可", date(2026, 11, 20)),
        ("planning", "建设工程规划许可", date(2026, 12, 20)), ("construction", "建筑工程施工许可", date(2027, 2, 1)),
        ("acceptance", "竣工联合验收", date(2027, 12, 1)))
