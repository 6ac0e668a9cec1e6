"""操作日志 in a real browser: an admin searches the audit trail by action, sees the chain's state, and axe-core
finds no serious violation on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from miniapp_api.platform import audit
from miniapp_api.platform.clock import utcnow
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import build_hall, make_staff

pytestmark = pytest.mark.integration


def test_an_admin_searches_the_audit_trail(page: Page, live_server, committed_db, app, wechat, artifacts):
    session, now = committed_db.session, utcnow()
    hall = build_hall(session, now)
    admin = make_staff(session, [hall.centre], ("admin",), name="周管理")
    audit.record(session, actor=f"staff:{admin.id}", action="centre.hours_added", subject_type="centre",
                 subject_id=hall.centre.id, detail={"weekday": 1})
    audit.record(session, actor=f"staff:{admin.id}", action="policy.item_created", subject_type="policy_item",
                 subject_id=3)
    audit.save_check(session, audit.verify(session, app.extensions["banshi.keyring"], now), now)
    session.commit()

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, admin.username)
    page.goto(f"{live_server}/console/audit")
    expect(page.get_by_role("region", name="日志完整性")).to_be_visible()
    assert_accessible(page, "audit log")
    page.get_by_label("操作").fill("centre.")
    page.get_by_role("button", name="查询").click()
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="centre.hours_added")).not_to_have_count(0)
    expect(rows.filter(has_text="centre.hours_added").first).to_contain_text("增加办公时段")   # said in words
    expect(rows.filter(has_text="policy.item_created")).to_have_count(0)
    assert_accessible(page, "audit log searched")
    page.screenshot(path=str(artifacts / "console-audit.png"), full_page=True)
