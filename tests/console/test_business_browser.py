"""企业经办人 in a real browser: a clerk looks a business up by its credit code, sees who acts for it and until when,
ends an agent's authorisation with a reason (a ticked confirmation, audit-logged), and records its payout account.
axe-core on the page; screenshots as test artifacts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.models import AuditLog
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import build_hall, business_with_agent, make_staff

pytestmark = pytest.mark.integration


def test_a_clerk_ends_an_agents_authorisation_and_records_the_payout_account(page: Page, live_server, committed_db,
                                                                              app, wechat, artifacts):
    session, cipher, now = committed_db.session, app.extensions["banshi.cipher"], utcnow()
    hall = build_hall(session, now)
    clerk = make_staff(session, [hall.centre], ("window_staff",), name="李娜")
    business, _, _ = business_with_agent(session, cipher, 9601, now=now, agent_term=timedelta(days=200))
    session.commit()

    sign_in(page, live_server, clerk.username)
    page.get_by_role("link", name="企业经办人").click()
    page.get_by_label("统一社会信用代码").fill(business.credit_code.lower())
    page.get_by_role("button", name="查询企业").click()
    expect(page.get_by_role("heading", name="聊城市周记餐饮有限公司（企业）")).to_be_visible()
    agent_row = page.get_by_role("row").filter(has_text="经办人").filter(has_text="吴")
    expect(agent_row).to_contain_text("有效")
    assert_accessible(page, "business links")
    page.screenshot(path=str(artifacts / "console-business-agents.png"), full_page=True)

    agent_row.get_by_label("结束原因").fill("已离职")
    agent_row.get_by_role("button", name="结束授权").click()
    # Unticked, the confirmation is refused at its box, with the reason still typed.
    expect(agent_row.locator("#e-confirm")).to_be_visible()
    expect(agent_row.get_by_label("结束原因")).to_have_value("已离职")
    agent_row.get_by_label("确认结束").check()
    agent_row.get_by_role("button", name="结束授权").click()
    expect(page.get_by_text("已结束该经办人的授权，并已通知本人")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="吴")).to_contain_text("已结束（窗口工作人员：已离职）")

    page.get_by_label("开户银行").fill("中国银行聊城分行")
    page.get_by_label("银行账号").fill("6013820000000009601")
    page.get_by_role("button", name="登记收款账户").click()
    expect(page.get_by_text("当前：聊城市周记餐饮有限公司，中国银行聊城分行，****9601")).to_be_visible()
    page.screenshot(path=str(artifacts / "console-business-ended.png"), full_page=True)

    session.expire_all()
    ended = session.scalars(select(AuditLog).where(AuditLog.action == "business.agent_ended")).one()
    assert (ended.actor, ended.detail["reason"]) == (f"staff:{clerk.id}", "已离职")
