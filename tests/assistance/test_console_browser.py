"""帮办代办 in a real browser: the manager sees the request overdue in the list, assigns a helper; the helper records
the contact, asks for a grant (choosing the item the citizen's request left open: a missing choice is said under its
field and the typed purpose is kept), books for the citizen once confirmed, and closes. axe-core on each page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

from miniapp_api.assistance import messages, services
from tests.assistance.conftest import Desk
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import MONDAY_8AM

pytestmark = pytest.mark.integration


def test_a_manager_assigns_and_the_helper_books_for_the_citizen_under_the_grant(
        page: Page, live_server, committed_db, app, wechat, artifacts):
    session = committed_db.session
    with time_machine.travel(MONDAY_8AM + timedelta(days=2), tick=True):
        desk = Desk(session, app.extensions["banshi.cipher"])
        # First contact was due Tuesday; the citizen wrote what they need and chose no item.
        request = desk.ask(now=MONDAY_8AM, item_code=None, situation="年纪大了，不会在手机上预约")
        session.commit()
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, live_server, desk.manager.username)
        page.get_by_role("link", name="帮办代办").click()
        row = page.get_by_role("row").filter(has_text=f"#{request.id}")
        expect(row).to_contain_text("已超期")
        expect(row).to_contain_text("待分派")
        assert_accessible(page, "assistance list")
        row.get_by_role("link", name=f"#{request.id}").click()
        expect(page.locator("#status")).to_have_text("已提交")
        assert_accessible(page, "assistance request")
        page.get_by_label("分派给帮办员").select_option(label="赵帮办")
        page.get_by_role("button", name="分派").click()
        expect(page.get_by_text("已分派帮办员，群众会收到通知")).to_be_visible()
        expect(page.locator("#helper")).to_have_text("赵帮办")
        page.screenshot(path=str(artifacts / "console-assistance-assigned.png"), full_page=True)

        helper_browser = page.context.browser.new_context()   # the helper's own cookies
        helper = helper_browser.new_page()
        helper.set_viewport_size({"width": 1280, "height": 900})
        sign_in(helper, live_server, desk.helper.username)
        helper.goto(f"{live_server}/console/assistance/{request.id}")
        helper.get_by_label("联系情况（群众可见，至少 2 个字）").fill("已电话联系，约定代为预约")
        helper.get_by_role("button", name="记录联系").click()
        expect(helper.locator("#status")).to_have_text("办理中")
        helper.get_by_label("代办事由（群众可见）").fill("代您预约窗口办理")
        helper.get_by_role("button", name="申请代办授权").click()
        expect(helper.locator("#e-item_code")).to_have_text(messages.GRANT_NEEDS_ITEM)   # under its field
        expect(helper.get_by_label("代办事由（群众可见）")).to_have_value("代您预约窗口办理")
        assert session.scalars(services.select(services.AssistanceGrant)).all() == []
        helper.screenshot(path=str(artifacts / "console-assistance-grant-item.png"), full_page=True)
        helper.get_by_label("要代为预约的事项").select_option(label=desk.hall.quick.name)
        helper.get_by_role("button", name="申请代办授权").click()
        expect(helper.get_by_text("已向群众发出代办授权申请")).to_be_visible()
        expect(helper.locator("#grant")).to_contain_text(f"只能在{desk.centre.name}代为预约“{desk.hall.quick.name}”")
        expect(helper.locator("#grant")).to_contain_text("等群众在小程序里确认")
        assert_accessible(helper, "assistance helper")

        grant = session.scalars(services.select(services.AssistanceGrant)).one()
        services.confirm_grant(session, desk.citizen, request.id, grant.id, MONDAY_8AM + timedelta(days=2))
        session.commit()
        helper.goto(f"{live_server}/console/assistance/{request.id}?day=2026-11-26")
        expect(helper.locator("#grant")).to_contain_text("群众已授权")
        helper.get_by_role("radio").first.check()
        helper.get_by_role("button", name="代为预约").click()
        expect(helper.get_by_text("已为群众代为预约")).to_be_visible()
        expect(helper.locator(".timeline")).to_contain_text("代为预约")
        helper.get_by_label("办结说明（群众可见，至少 2 个字）").fill("已代为预约，材料清单已告知")
        helper.get_by_role("button", name="办结").click()
        expect(helper.locator("#status")).to_have_text("已办结")
        assert_accessible(helper, "assistance closed")
        helper.screenshot(path=str(artifacts / "console-assistance-closed.png"), full_page=True)
        helper_browser.close()
