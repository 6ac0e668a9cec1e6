"""远程踏勘 through the mini-program's own pages at /simulator/mp/ (Chromium, live app): the applicant opens the case,
sees when and the video link, uploads a photo and a short video for a checklist line (wx.chooseMedia, then
wx.uploadFile), and after the inspector signs sees the result, line by line."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.applications import services as applications
from miniapp_api.applications.models import ApplicationStatus as S
from miniapp_api.citizens.models import Citizen
from miniapp_api.inspections import services as inspections
from miniapp_api.inspections.models import Inspection
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, CentreFactory, ItemFactory, WindowFactory, credit_code, id_number, make_staff
from tests.files import samples
from tests.simulator.phone import current_page, open_phone, open_verified_phone
from tests.simulator.test_filing import upload
from tests.simulator.staff import staff_headers

pytestmark = pytest.mark.integration
OPENID = "o-mp-inspection"
LINK = "https://video.liaocheng.gov.cn/room/871"
SEND = "拍照或拍短视频（1 分钟以内），上传这一项"


def test_the_applicant_uploads_the_checklist_photos_and_sees_the_signed_result(page: Page, live_server, committed_db,
                                                                              app, wechat, tmp_path, artifacts):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    centre = CentreFactory(region="开发区")
    item = ItemFactory(name="食品经营许可证（新办）", audience="business")
    WindowFactory(centre_id=centre.id, items=[item])
    clerk = make_staff(session, [centre], ("window_staff",))
    inspector = make_staff(session, [centre], ("window_staff",), name="赵踏勘")
    session.commit()
    photo, clip = tmp_path / "kitchen.jpg", tmp_path / "site.mp4"
    photo.write_bytes(samples.photo_with_gps())
    clip.write_bytes(samples.video(seconds=25))                # a short video walking through the kitchen
    with time_machine.travel(MONDAY_8AM, tick=True):
        open_verified_phone(page, live_server, session, cipher, OPENID, "王老板", id_number(871))
        citizen = session.scalars(select(Citizen).where(Citizen.openid == OPENID)).one()
        case = applications.intake(session, cipher, clerk, item_code=item.code, centre_id=centre.id, now=MONDAY_8AM,
                                   accept=applications.Advance(S.ACCEPTED),
                                   applicant=applications.Applicant("business", "老王家常菜馆", credit_code=credit_code(87),
                                                                    id_number=id_number(871)))
        case.proxy_citizen_id = citizen.id
        slot = inspections.add_slot(session, inspector, centre_id=centre.id, starts_at=MONDAY_8AM + timedelta(days=1),
                                    minutes=30, now=MONDAY_8AM)
        inspection = inspections.schedule(session, clerk, case, slot_id=slot.id, video_link=LINK, now=MONDAY_8AM)
        reference, inspection_id = case.reference, inspection.id
        session.commit()

        # The case page (as the 踏勘 message's link opens it) leads to the inspection: when, the link, the list.
        phone = open_phone(page, live_server, OPENID, f"pages/applications/detail?ref={reference}")
        current_page(phone, "pages/applications/detail").get_by_role(
            "button", name="远程踏勘：查看时间，上传现场照片或视频").click()
        screen = current_page(phone, "pages/applications/inspection")
        expect(screen.get_by_text("状态：待踏勘", exact=False)).to_be_visible()
        expect(screen.get_by_text(f"视频链接：{LINK}")).to_be_visible()
        screen.get_by_role("button", name="复制视频链接").click()
        expect(screen.get_by_text("链接已复制", exact=False)).to_be_visible()
        lines = screen.locator("wx-view.line")
        first = lines.first
        expect(first).to_contain_text("还没有上传")
        assert_accessible(page, "mini-program remote inspection")

        # A photo for the first line, then a short video for the same line.
        upload(page, first.get_by_role("button", name=SEND), photo)
        expect(first).to_contain_text("已上传 1 个照片或视频")
        expect(screen.get_by_text("已上传，踏勘人员会在视频踏勘时查看", exact=False)).to_be_visible()
        upload(page, first.get_by_role("button", name=SEND), clip)
        expect(first).to_contain_text("已上传 2 个照片或视频")
        page.screenshot(path=artifacts / "mp-inspection-evidence.png")
        session.expire_all()
        evidence = session.get(Inspection, inspection_id).evidence
        assert [len(files) for files in evidence.values()] == [2]

        signed = requests.post(f"{live_server}/api/staff/v1/inspections/{inspection_id}/conclusion",
                               headers=staff_headers(live_server, inspector), timeout=10, json={
                                   "findings": {key: {"ok": True} for key in ("layout", "zoning", "pests", "cold",
                                                                              "health")},
                                   "conclusion": "pass"})
        assert signed.status_code == 200, signed.text

        # The signed result: passed, by whom, line by line; nothing more to upload.
        phone = open_phone(page, live_server, OPENID, f"pages/applications/inspection?ref={reference}")
        screen = current_page(phone, "pages/applications/inspection")
        expect(screen.get_by_text("状态：踏勘通过")).to_be_visible()
        expect(screen.get_by_text("踏勘人员：赵踏勘")).to_be_visible()
        expect(screen.get_by_text("结论已由办理机构电子签章，核验有效")).to_be_visible()
        expect(screen.locator("wx-view.line").first).to_contain_text("踏勘结果：符合")
        expect(screen.get_by_role("button", name=SEND)).to_have_count(0)
