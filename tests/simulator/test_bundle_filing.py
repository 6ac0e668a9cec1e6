"""一件事 end to end through the mini-program's own pages at /simulator/mp/ (Chromium, live app): the 跨省通办 bundle
booked as one visit, then filed online with one form and one material set → two child cases → staff 补正 on one
item → the citizen answers on that item's page → both items approved and completed → the bundle shows 已全部办结
and is rated once → the certificate the second item issues shows with its QR → the verification page says 有效."""

from __future__ import annotations

from datetime import time

import pytest
import requests
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.applications.models import BundleCase
from miniapp_api.appointments.models import Appointment
from miniapp_api.appointments.slots import sync_slots
from miniapp_api.centres.models import OpeningPeriod
from miniapp_api.citizens.models import Citizen
from miniapp_api.platform import events
from miniapp_api.platform.clock import utcnow
from miniapp_api.ratings.models import Rating
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, CentreFactory, WindowFactory, id_number, make_staff
from tests.files import samples
from tests.filing.test_bundles import CARD, HEALTH, catalogue_item
from tests.simulator.phone import current_page, open_phone, open_verified_phone
from tests.simulator.test_filing import card, certificate_shows_and_verifies, upload
from tests.simulator.staff import staff_headers

pytestmark = pytest.mark.integration
NUMBER = id_number(862)
OPENID = "o-mp-bundle"


def test_a_bundle_booked_filed_corrected_completed_rated_and_its_certificate_verified(
        page: Page, live_server, committed_db, app, wechat, tmp_path, artifacts):
    session = committed_db.session
    centre = CentreFactory(region="开发区", name="聊城经济技术开发区政务服务中心")
    for weekday in range(5):
        centre.hours.append(OpeningPeriod(weekday=weekday, opens=time(8, 30), closes=time(12, 0)))
    health, card_item = catalogue_item(HEALTH), catalogue_item(CARD)
    WindowFactory(centre_id=centre.id, items=[health, card_item], counters=2, slot_minutes=15)
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
        phone = open_verified_phone(page, live_server, session, app.extensions["banshi.cipher"], OPENID, "刘秀英",
                                    NUMBER)

        # The bundle, and one visit for both items (多事项预约): 15 + 20 minutes take three slots.
        phone.get_by_text("一件事（几件事一次办）", exact=True).click()
        offers = current_page(phone, "pages/bundles/index")
        offer = card(offers, "残疾人证跨省通办一件事")
        expect(offer).to_contain_text(f"包括：{HEALTH}")
        expect(offer).to_contain_text(CARD)
        offer.get_by_role("button", name="预约到中心，一次办完").click()
        booking = current_page(phone, "pages/bundles/book")
        expect(booking.get_by_text(f"到哪个中心办理：{centre.name}")).to_be_visible()   # the only one for both
        booking.get_by_role("button", name="日期：请选择").click()
        phone.get_by_role("dialog").get_by_label("日期").fill("2026-11-24")
        phone.get_by_role("dialog").get_by_role("button", name="确定").click()
        starts = booking.locator("wx-view.slot")
        expect(starts.first).to_contain_text("08:30–09:15")
        expect(booking.get_by_text("（已选）", exact=False)).to_have_count(0)      # nothing picked for the citizen
        assert_accessible(page, "mini-program bundle booking")
        starts.nth(1).click()
        expect(starts.nth(1)).to_contain_text("（已选）")
        booking.get_by_role("button", name="确认预约").click()
        booked = current_page(phone, "pages/appointments/detail")
        expect(booked.get_by_text(f"办理事项：{HEALTH}、{CARD}")).to_be_visible()
        expect(booked.get_by_text("状态：已预约")).to_be_visible()
        citizen = session.scalars(select(Citizen).where(Citizen.openid == OPENID)).one()
        visit = session.scalars(select(Appointment).where(Appointment.citizen_id == citizen.id)).one()
        assert (len(visit.lines), len(visit.slots)) == (2, 3)

        # One form, one material set.
        phone = open_phone(page, live_server, OPENID, "pages/bundles/index")
        offers = current_page(phone, "pages/bundles/index")
        card(offers, "残疾人证跨省通办一件事").get_by_role("button", name="在手机上申报（一张表、一套材料）").click()
        form = current_page(phone, "pages/filing/index")
        form.get_by_role("button", name="开始填写").click()
        expect(form.get_by_text("不用交：事项申请表", exact=False)).to_be_visible()
        card(form, "户籍所在省份（受理地）").get_by_role("button").click()
        phone.get_by_role("dialog").get_by_role("button", name="河南省").click()
        form.get_by_label("户籍地址").fill("河南省濮阳市华龙区人民路8号")
        card(form, "残疾类别").get_by_role("button").click()
        phone.get_by_role("dialog").get_by_role("button", name="肢体残疾").click()
        expect(card(form, "残疾类别").get_by_role("button")).to_have_text("肢体残疾")
        expect(form.get_by_text(f"{HEALTH}、{CARD}共用，只交一份").first).to_be_visible()
        upload(page, form.get_by_role("button", name="上传“申请人身份证”"), id_copy)
        expect(card(form, "申请人身份证（").get_by_text("已上传 1 个文件")).to_be_visible()
        upload(page, form.get_by_role("button", name="上传“近期免冠照片”"), portrait)
        expect(card(form, "近期免冠照片（").get_by_text("已上传 1 个文件")).to_be_visible()
        form.get_by_text("到办理中心领取", exact=True).click()
        page.screenshot(path=artifacts / "mp-bundle-filing.png")
        assert_accessible(page, "mini-program bundle filing")
        form.get_by_role("button", name="提交申报").click()
        form.get_by_role("button", name="查看办理进度").click()
        parent = current_page(phone, "pages/bundles/detail")
        expect(parent.get_by_text("进度：等待预审")).to_be_visible()
        expect(parent.locator("wx-view.card").filter(has_text=HEALTH).filter(has_text=" · ")).to_have_count(1)
        expect(parent.locator("wx-view.card").filter(has_text=CARD).filter(has_text=" · ")).to_have_count(1)
        assert_accessible(page, "mini-program bundle case")
        bundle = session.scalars(select(BundleCase).where(BundleCase.citizen_id == citizen.id)).one()
        health_ref, card_ref = (c.reference for c in bundle.children)

        # 补正 on the card item only; answered on that item's page.
        headers = staff_headers(live_server, clerk)

        def advance(case: str, **step) -> None:
            moved = requests.post(f"{live_server}/api/staff/v1/applications/{case}/advance", headers=headers,
                                  json=step, timeout=10)
            assert moved.status_code == 200, moved.text

        advance(card_ref, to="needs_correction", corrections=[{"name": "近期免冠照片", "note": "请用白色背景"}])
        phone = open_phone(page, live_server, OPENID, f"pages/bundles/detail?ref={bundle.reference}")
        parent = current_page(phone, "pages/bundles/detail")
        expect(parent.get_by_text("进度：有事项待补正")).to_be_visible()
        parent.locator("wx-view.card").filter(has_text=f"{CARD}（").click()
        item_page = current_page(phone, "pages/applications/detail")
        expect(item_page.get_by_text("原因：请用白色背景")).to_be_visible()
        expect(item_page.get_by_text(f"属于一件事 {bundle.reference}", exact=False)).to_be_visible()
        upload(page, item_page.get_by_role("button", name="拍照或选照片，补交“近期免冠照片”"), white)
        expect(item_page.get_by_text("补正材料已提交，窗口会尽快审核")).to_be_visible()
        expect(item_page.locator("wx-view.card").first).to_contain_text("已提交")

        for case in (health_ref, card_ref):
            for step in ("accepted", "in_review", "approved", "completed"):
                advance(case, to=step)
        events.dispatch(session, events.pending_events(session, utcnow()), utcnow())
        session.commit()

        # One rating, for the whole bundle: from the item's page to the bundle, no level chosen for the citizen.
        phone = open_phone(page, live_server, OPENID, f"pages/applications/detail?ref={card_ref}")
        item_page = current_page(phone, "pages/applications/detail")
        expect(item_page.get_by_role("button", name="评价办件服务")).to_have_count(0)   # rated as one, on the bundle
        item_page.get_by_text(f"属于一件事 {bundle.reference}", exact=False).click()
        parent = current_page(phone, "pages/bundles/detail")
        expect(parent.get_by_text("进度：已全部办结")).to_be_visible()
        parent.get_by_role("button", name="评价这件事").click()
        rating = current_page(phone, "pages/feedback/index")
        levels = rating.get_by_role("radio")
        expect(levels.first).to_be_visible()
        for index in range(levels.count()):
            expect(levels.nth(index)).to_have_attribute("aria-checked", "false")
        rating.get_by_text("非常满意", exact=True).click()
        expect(rating.get_by_role("radio", name="非常满意")).to_have_attribute("aria-checked", "true")
        rating.get_by_role("button", name="提交").click()
        expect(rating.get_by_text("已提交，谢谢您！")).to_be_visible()
        session.expire_all()
        assert [(r.target_type, r.target_id, r.level) for r in session.scalars(select(Rating))] == [
            ("bundle", bundle.id, 5)]

        # The certificate the card item issued, its QR code, and the page the QR opens.
        certificate_shows_and_verifies(page, live_server, OPENID, "中华人民共和国残疾人证", NUMBER)
