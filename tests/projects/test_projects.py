"""Key projects (重点项目帮办代办): stages and lateness, the once-per-milestone overdue sweep, the enterprise's
timeline over HTTP with its authority refusals, and the console's centre scoping.

Lateness is on plain calendar dates in Asia/Shanghai (not the working-day calendar): a milestone not done is
overdue from the day after its target date."""

from datetime import date, timedelta

import time_machine
from sqlalchemy import func, select

from miniapp_api.applications import services as applications
from miniapp_api.businesses.models import BusinessLink
from miniapp_api.projects import services
from miniapp_api.projects.models import ProjectMilestone
from miniapp_api.staff.models import StaffNotice
from tests.authority.test_attacks import bearer
from tests.factories import MONDAY_8AM, build_hall, business_with_agent, citizen_with_identity, make_staff
from tests.projects.world import PLAN, key_project


def _m(stage, target, done=None):
    return ProjectMilestone(stage=stage, title="x", target_on=target, done_on=done)


def test_the_stage_is_the_earliest_with_a_milestone_not_done_and_lateness_is_on_plain_dates():
    assert services.current_stage([]) == "approval"
    plan = [_m("land", date(2026, 11, 20)), _m("approval", date(2026, 11, 1), done=date(2026, 11, 2)),
            _m("planning", date(2026, 12, 1))]
    assert services.current_stage(plan) == "land"
    assert services.current_stage([_m("land", date(2026, 11, 20), done=date(2026, 11, 20))]) == "completed"
    # Due on Friday 2026-11-20: not late that day, late on Saturday (a rest day counts: plain dates).
    assert not services.is_overdue(plan[0], date(2026, 11, 20))
    assert services.is_overdue(plan[0], date(2026, 11, 21))
    assert not services.is_overdue(plan[1], date(2027, 1, 1))          # done milestones are never late
    assert services.overdue_count(plan, date(2026, 12, 2)) == 2


def _desk(session, cipher):
    hall = build_hall(session, MONDAY_8AM)
    manager = make_staff(session, [hall.centre], ("centre_manager",), name="钱主任")
    lead = make_staff(session, [hall.centre], ("supervisor",), name="高包保")
    officer = make_staff(session, [hall.centre], ("window_staff",), name="孙专员")
    business, representative, agent = business_with_agent(session, cipher, 3401, now=MONDAY_8AM)
    built = key_project(session, manager, hall.centre, business, lead, officers=[(officer, "自然资源局")],
                        milestones=PLAN)
    return hall, manager, lead, officer, business, representative, agent, built


def test_the_sweep_tells_the_lead_official_and_officers_once_per_overdue_milestone(db_session, cipher):
    hall, manager, lead, officer, business, *_, built = _desk(db_session, cipher)
    approval, land = built["milestones"][:2]
    services.mark_done(db_session, manager, built["project"].id, approval.id, MONDAY_8AM)   # done: never late
    # Monday 2026-11-23 00:30 in Shanghai: 立项 (done) and 用地 (due 11-20) are past; only 用地 is overdue.
    now = MONDAY_8AM.replace(hour=0, minute=30)
    assert services.overdue_sweep(db_session, now) == 1
    assert services.overdue_sweep(db_session, now) == 0
    assert services.overdue_sweep(db_session, now + timedelta(days=1)) == 0    # the next day: still once
    notices = list(db_session.scalars(select(StaffNotice).where(StaffNotice.subject_type == "key_project")))
    assert sorted(n.staff_id for n in notices) == sorted([lead.id, officer.id])
    assert "建设用地规划许可" in notices[0].text and "用地" in notices[0].text
    assert db_session.get(ProjectMilestone, land.id).overdue_noticed_at == now
    # 规划 (due 12-20) becomes late on 12-21 in Shanghai, whatever the UTC date.
    late_evening = MONDAY_8AM.replace(year=2026, month=12, day=20, hour=23, minute=30)
    assert services.overdue_sweep(db_session, late_evening) == 0
    assert services.overdue_sweep(db_session, late_evening + timedelta(hours=1)) == 1
    assert db_session.scalar(select(func.count()).select_from(StaffNotice).where(
        StaffNotice.subject_type == "key_project")) == 4


def test_the_enterprise_sees_its_timeline_and_no_one_else_does(client, db_session, cipher):
    with time_machine.travel(MONDAY_8AM, tick=False):
        hall, manager, lead, officer, business, representative, agent, built = _desk(db_session, cipher)
        stranger = citizen_with_identity(db_session, cipher, 3499, name="陌生人")
        rep, own_agent, other = bearer(db_session, representative), bearer(db_session, agent), bearer(db_session,
                                                                                                     stranger)
        db_session.commit()
        url = f"/api/v1/businesses/{business.id}/projects"
        for headers in (rep, own_agent):
            shown = client.get(url, headers=headers)
            assert shown.status_code == 200, shown.get_json()
            [project] = shown.get_json()["projects"]
            assert (project["stage"], project["stage_name"], project["overdue_count"]) == ("approval", "立项", 2)
            assert [s["stage_name"] for s in project["stages"]] == ["立项", "用地", "规划", "施工许可", "竣工验收"]
            land = project["stages"][1]["milestones"][0]
            assert (land["title"], land["target_on"], land["overdue"]) == ("建设用地规划许可", "2026-11-20", True)
        refused = client.get(url, headers=other)
        assert (refused.status_code, refused.get_json()["error"]["code"]) == (404, "business_not_found")
        assert client.get(url).status_code == 401
        # The agent's link is ended: the timeline is gone for them at once, not for the representative.
        link = db_session.scalars(select(BusinessLink).where(BusinessLink.citizen_id == agent.id)).one()
        link.revoked_at, link.ended_by = MONDAY_8AM - timedelta(minutes=1), "representative"
        db_session.commit()
        assert client.get(url, headers=own_agent).status_code == 404
        assert client.get(url, headers=rep).status_code == 200


def test_console_create_link_and_done_and_another_centre_cannot_see_it(console, db_session, cipher):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall, manager, lead, officer, business, *_, built = _desk(db_session, cipher)
        other = build_hall(db_session, MONDAY_8AM).centre
        outsider = make_staff(db_session, [other], ("centre_manager",), name="李外")
        clerk = make_staff(db_session, [hall.centre], ("window_staff",), name="周窗口")
        case = applications.intake(db_session, cipher, manager, item_code=hall.quick.code, centre_id=hall.centre.id,
                                   applicant=applications.Applicant("business", business.name,
                                                                    credit_code=business.credit_code,
                                                                    phone="13800001234"), now=MONDAY_8AM)
        db_session.commit()
        project_id, land = built["project"].id, built["milestones"][1]
        boss, theirs, window = console(manager), console(outsider), console(clerk)
        board = boss.get("/console/projects").get_data(as_text=True)
        assert "聊城某新材料产业园项目" in board and "1 个已超期" not in board   # 立项 and 用地 are late: 2
        assert "2 个已超期" in board
        page = boss.get(f"/console/projects/{project_id}").get_data(as_text=True)
        assert case.reference in page and "孙专员（自然资源局）" in page
        # Another centre's manager: not on their board, not found by address, cannot change it.
        assert "聊城某新材料产业园项目" not in theirs.get("/console/projects").get_data(as_text=True)
        assert theirs.get(f"/console/projects/{project_id}").status_code == 404
        assert theirs.post(f"/console/projects/{project_id}/milestones/{land.id}/done").status_code == 404
        # A clerk of the centre links the case (picked from the enterprise's cases) and marks the milestone done.
        linked = window.post(f"/console/projects/{project_id}/milestones/{land.id}/cases",
                             {"application_id": str(case.id)})
        assert linked.status_code == 303, linked.get_data(as_text=True)
        again = window.post(f"/console/projects/{project_id}/milestones/{land.id}/cases",
                            {"application_id": str(case.id)})
        assert again.status_code == 409 and "已关联" in again.get_data(as_text=True)
        assert window.post(f"/console/projects/{project_id}/milestones/{land.id}/done").status_code == 303
        assert window.post(f"/console/projects/{project_id}/milestones/{land.id}/done").status_code == 409
        # Only managers add officers or projects; a bad form keeps the typed values.
        assert window.post(f"/console/projects/{project_id}/officers",
                           {"staff_id": str(clerk.id), "department": "住建局"}).status_code == 404
        bad = boss.post("/console/projects", {"project_name": "新项目", "credit_code": business.credit_code,
                                              "centre_id": str(hall.centre.id), "investment_wan": "-5",
                                              "location": "开发区", "lead_staff_id": str(lead.id)})
        assert bad.status_code == 422 and 'value="新项目"' in bad.get_data(as_text=True)
        made = boss.post("/console/projects", {"project_name": "新项目", "credit_code": business.credit_code,
                                               "centre_id": str(hall.centre.id), "investment_wan": "5000",
                                               "location": "开发区", "lead_staff_id": str(lead.id)})
        assert made.status_code == 303, made.get_data(as_text=True)
        assert theirs.post("/console/projects", {"project_name": "越权项目", "credit_code": business.credit_code,
                                                 "centre_id": str(hall.centre.id), "investment_wan": "1",
                                                 "location": "开发区", "lead_staff_id": str(outsider.id)}
                           ).status_code == 404
