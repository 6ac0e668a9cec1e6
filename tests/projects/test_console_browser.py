"""重点项目 in Chromium: the manager's dashboard by stage with the late project first, the project's page; a
milestone is added, a case linked from the picker and a milestone marked done. axe-core on each page."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect

from miniapp_api.applications import services as applications
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import MONDAY_8AM, build_hall, business_with_agent, make_staff
from tests.projects.world import PLAN, key_project

pytestmark = pytest.mark.integration


def test_the_dashboard_and_a_project_page(page: Page, live_server, committed_db, app, wechat, artifacts):
    session = committed_db.session
    cipher = app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(session, MONDAY_8AM)
        manager = make_staff(session, [hall.centre], ("centre_manager",), name="钱主任")
        officer = make_staff(session, [hall.centre], ("window_staff",), name="孙专员")
        business, *_ = business_with_agent(session, cipher, 3601, now=MONDAY_8AM)
        built = key_project(session, manager, hall.centre, business, manager, officers=[(officer, "住建局")],
                            milestones=PLAN)
        case = applications.intake(session, cipher, manager, item_code=hall.quick.code, centre_id=hall.centre.id,
                                   applicant=applications.Applicant("business", business.name,
                                                                    credit_code=business.credit_code,
                                                                    phone="13800001234"), now=MONDAY_8AM)
        session.commit()
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, live_server, manager.username)
        page.get_by_role("link", name="重点项目").click()
        expect(page.get_by_role("row").filter(has_text="立项").first).to_contain_text("1")
        row = page.get_by_role("row").filter(has_text="聊城某新材料产业园项目")
        expect(row).to_contain_text("2 个已超期")
        assert_accessible(page, "projects dashboard")
        page.screenshot(path=str(artifacts / "console-projects.png"), full_page=True)

        row.get_by_role("link", name="聊城某新材料产业园项目").click()
        expect(page.get_by_text("孙专员（住建局）")).to_be_visible()
        assert_accessible(page, "project page")
        land = built["milestones"][1]
        page.get_by_label("关联办件").nth(1).select_option(value=str(case.id))
        page.locator(f"form[action$='/milestones/{land.id}/cases'] button").click()
        expect(page.get_by_text("办件已关联到节点")).to_be_visible()
        expect(page.get_by_role("row").filter(has_text="建设用地规划许可")).to_contain_text(case.reference)
        page.locator(f"form[action$='/milestones/{land.id}/done'] button").click()
        expect(page.get_by_role("row").filter(has_text="建设用地规划许可")).to_contain_text("已完成")
        page.get_by_label("节点事项").fill("人防工程审批")
        page.get_by_label("阶段").select_option(label="施工许可")
        page.get_by_label("目标日期").fill("2027-01-15")
        page.get_by_role("button", name="添加节点").click()
        expect(page.get_by_role("row").filter(has_text="人防工程审批")).to_contain_text("推进中")
        assert_accessible(page, "project page after changes")
        page.screenshot(path=str(artifacts / "console-project.png"), full_page=True)
