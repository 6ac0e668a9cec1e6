"""A 140-operator renewal batch end to end in Chromium: the company's XLSX uploaded in the console (a bad one
first: errors by row and column), the members created by a real RQ worker while the progress bar follows, the
whole batch moved to 办结, 140 electronic certificates issued, one of them verified through its QR page, and the
company's agent told once."""

from __future__ import annotations

import pytest
import time_machine
from openpyxl import Workbook
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from miniapp_api.certificates.models import Certificate
from miniapp_api.notifications.models import Notification
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import MONDAY_8AM, id_number, operator_review_hall
from tests.workers import run_worker

pytestmark = pytest.mark.integration
OPERATORS = 140


def workbook(path, rows) -> str:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return str(path)


def test_a_140_member_batch_from_an_xlsx_to_140_certificates(page: Page, live_server, committed_db, process_env,
                                                              tmp_path, wechat):
    session = committed_db.session
    hall = operator_review_hall(session, name="李窗口")
    item, clerk, agent = hall["item"], hall["clerk"], hall["agent"]
    header = ["姓名", "身份证号", "手机号"]
    good = workbook(tmp_path / "名单.xlsx", [header, *[[f"作业人员{n:03d}", id_number(5000 + n), None]
                                                      for n in range(OPERATORS)]])
    bad = workbook(tmp_path / "有误的名单.xlsx", [header, ["张三", id_number(1), None], ["", "12345", "1380000"]])
    with time_machine.travel(MONDAY_8AM, tick=True):
        sign_in(page, live_server, clerk.username)
        page.goto(f"{live_server}/console/batches/new")

        def fill(path: str) -> None:
            page.get_by_label("办理事项").fill(item.code)
            page.get_by_label("批次名称").fill("2026年叉车司机复审")
            page.get_by_label("企业名称").fill("聊城市开发区物流有限公司")
            page.get_by_label("统一社会信用代码（企业在小程序里跟进进度）").fill(hall["company"].credit_code)
            page.get_by_label("名单文件（.xlsx 或 .csv）").set_input_files(path)
            page.get_by_role("button", name="检查名单并创建").click()

        fill(bad)
        problems = page.get_by_role("table", name="需要改正的地方")
        expect(problems).to_contain_text("第3行")
        expect(problems).to_contain_text("“姓名”未填写")
        expect(problems).to_contain_text("“身份证号”不正确，请核对")
        expect(problems).to_contain_text("手机号应为11位")
        assert_accessible(page, "batch list errors")
        fill(good)
        expect(page.locator("#import-status")).to_contain_text("正在创建")
        expect(page.locator("#creating")).to_have_attribute("max", str(OPERATORS))

        run_worker(process_env, at=MONDAY_8AM)          # the RQ job creates the members, 100 a transaction
        # no page.reload(): the page refreshes itself every 2 s while the list is being created (a reload of
        # ours could land in the middle of that navigation), and the clerk sees the result the same way
        expect(page.locator("#import-status")).to_have_text("已全部创建", timeout=15_000)
        expect(page.locator("#created")).to_have_text(str(OPERATORS))
        assert_accessible(page, "batch page")
        for step in ("已受理", "审查中", "已批准", "已办结"):
            page.get_by_label("全部改为").select_option(label=step)
            page.get_by_role("button", name="确认").click()
            expect(page.locator("main")).to_contain_text(f"{OPERATORS} 件已变更为“{step}”")
        run_worker(process_env, at=MONDAY_8AM)          # the completion events: certificates, the agent's message

    assert session.scalar(select(func.count()).select_from(Certificate)) == OPERATORS
    told = session.scalars(select(Notification.body).where(Notification.citizen_id == agent.id)).all()
    assert len(told) == 1 and "共140件已全部办结" in told[0]
    token = session.scalar(select(Certificate.verify_token).order_by(Certificate.id).limit(1))
    page.goto(f"{live_server}/verify/{token}")
    expect(page.get_by_role("status")).to_have_text("有效")
