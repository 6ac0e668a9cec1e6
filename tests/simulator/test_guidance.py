"""智能导服 on the mini-program's own pages (/simulator/mp/, Chromium, live app): ask from the home page, follow
the scenario interview to the checklist and the one-tap booking of both items, and hand an unanswered question
to a person."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.demo import seed_demo
from miniapp_api.demo.guidance import seed_guidance
from miniapp_api.feedback.models import Feedback
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM
from tests.simulator.phone import current_page, open_phone

pytestmark = pytest.mark.integration


@pytest.fixture
def guided(committed_db, wechat):
    session = committed_db.session
    seed_demo(session)
    seed_guidance(session, MONDAY_8AM)
    session.commit()
    return session


def test_ask_follow_the_interview_and_book_both_items(page: Page, live_server, guided, artifacts):
    with time_machine.travel(MONDAY_8AM, tick=True):
        phone = open_phone(page, live_server, "o-mp-guide")
        search = phone.get_by_label("搜一搜：说说您想办什么事", exact=True)
        search.press_sequentially("我想开个小饭馆")
        search.press("Enter")
        guide = current_page(phone, "pages/guide/index")
        expect(guide.get_by_text("为您找到以下答案", exact=True)).to_be_visible()
        expect(guide.locator("wx-view.card").first).to_contain_text("我想开个小饭馆")
        assert_accessible(page, "guide answer")
        guide.get_by_text("按情景办：我想开个小饭馆", exact=True).first.click()

        interview = current_page(phone, "pages/guide/scenario")
        for question, answer in (("是否已经领取营业执照？", "否"), ("是否有实体店面？", "是"),
                                 ("是否只卖预包装食品（不做饭菜）？", "否"), ("经营面积多大？", "50平方米以下")):
            expect(interview.get_by_text(question, exact=True)).to_be_visible()
            interview.get_by_role("button", name=answer, exact=True).click()
        expect(interview.get_by_text("根据您的回答，需要办理以下2个事项", exact=True)).to_be_visible()
        expect(interview.locator("wx-view.card").filter(has_text=". ")).to_have_text(
            ["1. 营业执照（设立登记）", "2. 食品经营许可证（新办）"])
        expect(interview.get_by_text("设立登记申请书", exact=False).first).to_be_visible()
        assert_accessible(page, "checklist")
        page.screenshot(path=artifacts / "mp-guidance-checklist.png", full_page=True)
        interview.get_by_role("button", name="一键预约", exact=False).first.click()

        book = current_page(phone, "pages/book/index")
        expect(phone.locator(".mp-title")).to_have_text("预约办事")
        expect(book.get_by_text("办理事项：营业执照（设立登记）", exact=True)).to_be_visible()
        # Both items in the one visit, by name (no code).
        expect(book.get_by_text("同一次到场一并办理：食品经营许可证（新办）", exact=True)).to_be_visible()


def test_an_unanswered_question_goes_to_a_person(page: Page, live_server, guided):
    with time_machine.travel(MONDAY_8AM, tick=True):
        phone = open_phone(page, live_server, "o-mp-handoff", "pages/guide/index?q=社保卡丢了怎么补办")
        guide = current_page(phone, "pages/guide/index")
        expect(guide.get_by_text("没有找到确切的答案", exact=False)).to_be_visible()
        assert_accessible(page, "guide not sure")
        guide.get_by_role("button", name="转人工咨询").click()
        expect(guide.get_by_text("已转人工咨询", exact=False)).to_be_visible()
        filed = guided.scalars(select(Feedback).where(Feedback.kind == "consultation")).all()
        assert [f.text for f in filed] == ["【智能导服转人工】社保卡丢了怎么补办"]

        # No words at all: the API's message under the box, which keeps what was typed.
        box = guide.get_by_label("说说您想办什么事，如：我想开个小饭馆", exact=True)
        box.fill("😀😀")
        box.press("Enter")
        error = box.locator("xpath=ancestor::wx-input[1]/following-sibling::wx-text[1]")
        expect(error).to_have_text("请用文字描述您想办的事，例如“我想开个小饭馆”")
        expect(box).to_have_value("😀😀")
