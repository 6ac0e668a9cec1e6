"""智能导服 in the phone simulator, in Debian's Chromium against the live app: ask from the home page, follow the
scenario interview to the checklist and the one-tap booking of both items, and hand an unanswered question to a
person."""

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
from tests.simulator.test_simulator import new_citizen

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
        new_citizen(page, live_server, "王大姐")
        page.get_by_label("搜一搜：说说您想办什么事").fill("我想开个小饭馆")
        page.get_by_role("button", name="搜索").click()
        expect(page.locator("#best-answer")).to_contain_text("我想开个小饭馆")
        expect(page.locator("#guide-message")).to_have_text("为您找到以下答案")
        assert_accessible(page, "simulator guide answer")
        page.get_by_role("link", name="我想开个小饭馆").first.click()

        for question, answer in (("是否已经领取营业执照？", "否"), ("是否有实体店面？", "是"),
                                 ("是否只卖预包装食品（不做饭菜）？", "否"), ("经营面积多大？", "50平方米以下")):
            expect(page.locator("legend")).to_have_text(question)
            page.get_by_label(answer, exact=True).check()
            page.get_by_role("button", name="下一步").click()
        expect(page.locator("#checklist-message")).to_have_text("根据您的回答，需要办理以下2个事项")
        expect(page.locator("#checklist-items li")).to_have_text(["营业执照（设立登记）", "食品经营许可证（新办）"])
        expect(page.locator("#checklist-materials li").first).to_contain_text("设立登记申请书")
        assert_accessible(page, "simulator checklist")
        page.screenshot(path=artifacts / "simulator-guidance-checklist.png", full_page=True)
        page.get_by_role("link", name="一键预约").first.click()
        expect(page.locator("#also-items")).to_have_text("同一次到场一并办理：食品经营许可证（新办）")   # a name, no code
        expect(page.locator("#title")).to_have_text("预约 · 营业执照（设立登记）")


def test_an_unanswered_question_goes_to_a_person(page: Page, live_server, guided):
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_citizen(page, live_server, "赵大爷")
        page.goto(f"{live_server}/simulator/#/guide?q=" + "社保卡丢了怎么补办")
        expect(page.locator("#guide-message")).to_contain_text("没有找到确切的答案")
        assert_accessible(page, "simulator guide not sure")
        page.get_by_role("button", name="转人工咨询").click()
        expect(page.locator("#handoff-result")).to_contain_text("已转人工咨询")
        filed = guided.scalars(select(Feedback).where(Feedback.kind == "consultation")).all()
        assert [f.text for f in filed] == ["【智能导服转人工】社保卡丢了怎么补办"]
        page.goto(f"{live_server}/simulator/#/guide?q=" + "😀😀")
        expect(page.locator('#ask [data-field="q"] .field-error')).to_have_text("请用文字描述您想办的事，例如“我想开个小饭馆”")
