"""An online 分支机构批量变更 in the console, in Chromium: the batch page says the business's agent filed it, links the
shared materials once and lists every branch; a branch opens its own case page to be handled like any other."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect

from miniapp_api.applications import branches
from miniapp_api.files import services as files
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import (
    MONDAY_8AM,
    CentreFactory,
    ItemFactory,
    WindowFactory,
    business_with_agent,
    credit_code,
    make_staff,
)
from tests.files.samples import photo_with_gps

pytestmark = pytest.mark.integration


def test_an_online_branch_filing_is_a_batch_of_the_centre_with_its_shared_materials(page: Page, live_server,
                                                                                    committed_db, app, wechat):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM, tick=True):
        centre = CentreFactory(region="阳谷县")
        item = ItemFactory(name="药品经营许可证变更", audience="business")
        WindowFactory(centre_id=centre.id, items=[item])
        clerk = make_staff(session, [centre], ("window_staff",), name="李窗口")
        business, _, agent = business_with_agent(session, cipher, 760, now=MONDAY_8AM)
        photo = files.store(session, app.extensions["banshi.storage"], agent, photo_with_gps(), "material", MONDAY_8AM)
        batch = branches.file_branches(
            session, cipher, agent, business_id=business.id, item_code=item.code, centre_id=centre.id,
            title="三家门店经营范围变更", material_ids=[photo.id], now=MONDAY_8AM,
            branches=[branches.Branch(f"周记大药房{n}号店", credit_code(7600 + n)) for n in range(1, 4)])
        session.commit()
        reference = batch.reference

        sign_in(page, live_server, clerk.username)
        page.goto(f"{live_server}/console/batches/{reference}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("三家门店经营范围变更")
        expect(page.locator("dl.facts")).to_contain_text("企业经办人网上申报")
        expect(page.get_by_role("link", name="材料 1")).to_be_visible()
        members = page.get_by_role("table")
        for n in range(1, 4):
            expect(members).to_contain_text(f"周记大药房{n}号店")
        expect(members).to_contain_text("已提交")
        assert_accessible(page, "online branch filing batch page")
        members.get_by_role("link").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("BS")
        assert_accessible(page, "a branch's case page")
