"""A refused form in a real browser (Debian's Chromium, headless): the message under the field, what was typed
still there, then corrected and accepted; axe-core on the refused page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import casework_world

pytestmark = pytest.mark.integration


def test_a_too_short_feedback_answer_keeps_what_was_typed_until_corrected(page: Page, live_server, committed_db,
                                                                          app, wechat, artifacts):
    session = committed_db.session
    world = casework_world(session, app.extensions["banshi.cipher"])
    feedback = world["feedback"]
    feedback.status, feedback.assignee_staff_id = "assigned", world["home_staff"].id
    session.commit()
    sign_in(page, live_server, world["home_staff"].username)
    page.goto(f"{live_server}/console/feedback/{feedback.id}")
    answer, note = page.get_by_label("答复内容（群众可见，至少 2 个字）"), page.get_by_label("内部备注")
    answer.fill("好")
    note.fill("已电话联系本人，约定下周回访")
    page.get_by_role("button", name="提交答复").click()

    expect(page.locator("#e-answer")).to_have_text("内容太短，请至少写 2 个字")
    expect(page.get_by_role("alert")).to_contain_text("未做任何更改")
    expect(answer).to_have_value("好")
    expect(answer).to_have_attribute("aria-invalid", "true")
    expect(answer).to_have_attribute("aria-describedby", "e-answer")
    expect(note).to_have_value("已电话联系本人，约定下周回访")
    expect(page.locator("#status")).not_to_contain_text("已答复")
    assert_accessible(page, "feedback answer refused")
    page.screenshot(path=artifacts / "console-form-refused.png", full_page=True)

    answer.fill("已调整午休轮岗，午间保留一个综合窗口。")
    page.get_by_role("button", name="提交答复").click()
    expect(page.locator("#status")).to_contain_text("已答复")
    expect(page.locator(".timeline")).to_contain_text("已电话联系本人，约定下周回访")
    expect(page.locator("#e-answer")).to_have_count(0)
