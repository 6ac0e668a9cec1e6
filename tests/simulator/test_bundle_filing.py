"""一件事 end to end in the simulator (Chromium, live app): the 跨省通办 bundle booked as one visit, then filed
online with one form and one material set → two child cases → staff 补正 on one item → the citizen answers on
that item's page → both items approved and completed → the bundle shows 已全部办结 and is rated once → the
certificate the second item issues shows with its QR → the verification page says 有效."""

from __future__ import annotations

from datetime import time

import pytest
import requests
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.applications.models import BundleCase
from miniapp_api.appointments.slots import sync_slots
from miniapp_api.centres.models import OpeningPeriod
from miniapp_api.platform import events
from miniapp_api.platform.clock import utcnow
from miniapp_api.ratings.models import Rating
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, CentreFactory, WindowFactory, id_number, make_staff
from tests.files import samples
from tests.filing.test_bundles import CARD, HEALTH, catalogue_item
from tests.simulator.test_filing import certificate_shows_and_verifies
from tests.simulator.test_simulator import new_verified_citizen, staff_headers

pytestmark = pytest.mark.integration
NUMBER = id_number(862)


def test_a_bundle_booked_filed_corrected_completed_rated_and_its_certificate_verified(
        page: Page, live_server, committed_db, app, wechat, tmp_path):
    session = committed_db.session
    centre = CentreFactory(region="开发区", name="聊城经济技术开发区政务服务中心")
    for weekday in range(5):
        centre.hours.append(OpeningPeriod(weekday=weekday, opens=time(8, 30), closes=time(12, 0)))
    health, card = catalogue_item(HEALTH), catalogue_item(CARD)
    WindowFactory(centre_id=centre.id, items=[health, card], counters=2, slot_minutes=15)
    clerk = make_staff(session, [centre], ("window_staff",))
    session.flush()
    session.expire(centre, ["windows"])
    sync_slots(session, centre.id, MONDAY_8AM)
    session.commit()
    id_copy, portrait, white = tmp_path / "id.jpg", tmp_path / "photo.jpg", tmp_path / "white.jpg"
    id_copy.write_bytes(samples.photo_with_gps(colour=(200, 10, 10)))
    portrait.write_bytes(samples.photo_with_gps(colour=(10, 10, 200)))
    white.write_bytes(samples.photo_with_gps(size=(900, 1200), colour=(250, 250, 250)))
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_verified_citizen(page, live_server, session, app.extensions["banshi.cipher"], "刘秀英", NUMBER)

        # The bundle, and one visit for both items (多事项预约): 15 + 20 minutes take three slots.
        page.goto(f"{live_server}/simulator/#/bundles")
        page.get_by_role("link", name="残疾人证跨省通办一件事").click()
        expect(page.locator("#bundle-items li")).to_have_count(2)
        page.goto(f"{live_server}/simulator/#/book-bundle/KSCJ?centre={centre.id}&date=2026-11-24")
        expect(page.locator("#bundle-slots button").first).to_contain_text("08:30–09:15")
        assert_accessible(page, "simulator bundle booking")
        page.locator("#bundle-slots button").nth(1).click()
        expect(page.get_by_text(f"{HEALTH}、{CARD}")).to_be_visible()

        # One form, one material set.
        page.goto(f"{live_server}/simulator/#/bundles/KSCJ")
        page.get_by_role("link", name="网上申报（一表申请）").click()
        page.get_by_role("button", name="开始填写").click()
        expect(page.locator("#not-needed")).to_contain_text("事项申请表")
        page.get_by_label("户籍所在省份（受理地）（必填）").select_option("河南省")
        page.get_by_label("户籍地址（必填）").fill("河南省濮阳市华龙区人民路8号")
        page.get_by_label("残疾类别（必填）").select_option("肢体残疾")
        expect(page.get_by_text(f"{HEALTH}、{CARD}共用，只交一份")).to_be_visible()
        page.get_by_label("申请人身份证（必需）").set_input_files(str(id_copy))
        expect(page.locator("#m-0-count")).to_have_text("已上传 1 个文件")
        page.get_by_label("近期免冠照片（材料可以以后补交）").set_input_files(str(portrait))
        expect(page.locator("#m-1-count")).to_have_text("已上传 1 个文件")
        assert_accessible(page, "simulator bundle filing")
        page.get_by_role("button", name="提交申报").click()
        expect(page.locator("#bundle-phase")).to_have_text("等待预审")
        expect(page.locator("#bundle-children li")).to_have_count(2)
        assert_accessible(page, "simulator bundle case")
        reference = page.url.rsplit("/", 1)[1]
        bundle = session.scalars(select(BundleCase).where(BundleCase.reference == reference)).one()
        health_ref, card_ref = (c.reference for c in bundle.children)

        # 补正 on the card item only; answered on that item's page.
        headers = staff_headers(live_server, clerk)

        def advance(case: str, **step) -> None:
            moved = requests.post(f"{live_server}/api/staff/v1/applications/{case}/advance", headers=headers,
                                  json=step, timeout=10)
            assert moved.status_code == 200, moved.text

        advance(card_ref, to="needs_correction", corrections=[{"name": "近期免冠照片", "note": "请用白色背景"}])
        page.reload()
        expect(page.locator("#bundle-phase")).to_have_text("有事项待补正")
        page.get_by_role("link", name=CARD).click()
        expect(page.get_by_text("补正原因：请用白色背景")).to_be_visible()
        expect(page.locator("#bundle-link")).to_be_visible()
        page.get_by_label("补正后的材料（图片或 PDF）").set_input_files(str(white))
        page.get_by_role("button", name="提交补正“近期免冠照片”").click()
        expect(page.locator("#application-status")).to_have_text("已提交")

        for case in (health_ref, card_ref):
            for step in ("accepted", "in_review", "approved", "completed"):
                advance(case, to=step)
        events.dispatch(session, events.pending_events(session, utcnow()), utcnow())
        session.commit()

        # One rating, for the whole bundle.
        page.click("#bundle-link")
        expect(page.locator("#bundle-phase")).to_have_text("已全部办结")
        page.get_by_role("link", name="评价这件事").click()
        page.get_by_label("非常满意").check()
        page.get_by_role("button", name="提交评价").click()
        expect(page.get_by_role("status")).to_have_text("感谢您的评价！")
        session.expire_all()
        assert [(r.target_type, r.target_id) for r in session.scalars(select(Rating))] == [("bundle", bundle.id)]

        # The certificate the card item issued, its QR code, and the page the QR opens.
        certificate_shows_and_verifies(page, live_server, "中华人民共和国残疾人证", NUMBER)
