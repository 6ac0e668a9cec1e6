"""报表 in Chromium: a period typed backwards is answered at the field with the form kept; a small export downloads at
once; a large one is built by a real RQ worker while its page refreshes itself, then offers its download link.
axe-core on each page; screenshots as test artifacts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from miniapp_api.citizens.models import Citizen
from miniapp_api.ratings.models import Rating
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import MONDAY_8AM, CentreFactory, ItemFactory, WindowFactory, make_staff
from tests.workers import run_worker

pytestmark = pytest.mark.integration


def test_a_supervisor_exports_a_small_report_at_once_and_a_large_one_through_the_worker(
        page: Page, live_server, committed_db, process_env, app, wechat, artifacts, monkeypatch, tmp_path):
    session = committed_db.session
    centre = CentreFactory(name="东昌府区政务服务中心")
    item = ItemFactory(name="食品经营许可证（新办）")
    WindowFactory(centre_id=centre.id, items=[item])
    citizen = Citizen(openid="o-report-browser")
    session.add(citizen)
    session.flush()
    for n, level in enumerate([5, 4, 1, 3, 5]):     # Monday two, the Sunday before three
        session.add(Rating(citizen_id=citizen.id, target_type="application", target_id=8000 + n, level=level,
                           centre_id=centre.id, item_id=item.id, created_at=MONDAY_8AM - timedelta(days=0 if n < 2 else 1),
                           tags=[], invalidation={}))
    supervisor = make_staff(session, [centre], ("supervisor",), name="赵督办")
    session.commit()
    monkeypatch.setitem(app.config, "REPORT_DIRECT_ROWS", 3)

    with time_machine.travel(MONDAY_8AM, tick=True):
        sign_in(page, live_server, supervisor.username)
        page.get_by_role("link", name="报表").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("报表")

        def fill(since: str, until: str) -> None:
            page.get_by_label("报表类型").select_option(label="好差评")
            page.get_by_label("服务中心").select_option(label="东昌府区政务服务中心")
            page.get_by_label("开始日期").fill(since)
            page.get_by_label("结束日期").fill(until)
            page.get_by_label("事项").select_option(label="食品经营许可证（新办）")

        fill("2026-11-23", "2026-11-22")
        page.get_by_role("button", name="导出").click()
        expect(page.locator("#e-date_to")).to_have_text("结束日期不能早于开始日期")
        expect(page.get_by_label("开始日期")).to_have_value("2026-11-23")
        expect(page.get_by_label("报表类型")).to_have_value("ratings")
        assert_accessible(page, "reports form with an error")
        page.screenshot(path=str(artifacts / "console-reports-error.png"), full_page=True)

        fill("2026-11-23", "2026-11-23")                # Monday: 2 ratings, under the limit
        with page.expect_download() as small:
            page.get_by_role("button", name="导出").click()
        saved = tmp_path / small.value.suggested_filename
        small.value.save_as(saved)
        assert saved.name == "report-ratings-20261123-20261123.xlsx"
        book = load_workbook(saved, read_only=True)
        assert len(list(book.worksheets[1].iter_rows(values_only=True))) == 1 + 2

        fill("2026-11-16", "2026-11-23")                # the week: 5 ratings, over the limit → a job
        page.get_by_role("button", name="导出").click()
        expect(page.locator("#report-status")).to_contain_text("排队中")
        expect(page.locator("#progress")).to_have_attribute("max", "5")
        assert_accessible(page, "report queued")
        page.screenshot(path=str(artifacts / "console-report-queued.png"), full_page=True)

        run_worker(process_env, at=MONDAY_8AM)
        # The page refreshes itself every 2 seconds: the link appears without a click.
        expect(page.get_by_role("link", name="下载好差评报表（Excel）")).to_be_visible(timeout=8000)
        expect(page.locator("#rows-done")).to_have_text("5")
        assert_accessible(page, "report done")
        page.screenshot(path=str(artifacts / "console-report-done.png"), full_page=True)
        with page.expect_download() as large:
            page.get_by_role("link", name="下载好差评报表（Excel）").click()
        saved = tmp_path / "large.xlsx"
        large.value.save_as(saved)
    rows = list(load_workbook(saved, read_only=True).worksheets[1].iter_rows(values_only=True))
    assert len(rows) == 1 + 5 and rows[0][0] == "编号"
