"""远程踏勘 in the simulator (Chromium, live app): the applicant sees when and the video link, uploads the
checklist's photos line by line, and sees the signed result."""

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
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, CentreFactory, ItemFactory, WindowFactory, credit_code, id_number, make_staff
from tests.files import samples
from tests.simulator.test_simulator import new_verified_citizen, staff_headers

pytestmark = pytest.mark.integration


def test_the_applicant_uploads_the_checklist_photos_and_sees_the_signed_result(page: Page, live_server, committed_db,
                                                                              app, wechat, tmp_path):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    centre = CentreFactory(region="开发区")
    item = ItemFactory(name="食品经营许可证（新办）", audience="business")
    WindowFactory(centre_id=centre.id, items=[item])
    clerk = make_staff(session, [centre], ("window_staff",))
    inspector = make_staff(session, [centre], ("window_staff",), name="赵踏勘")
    session.commit()
    photo = tmp_path / "kitchen.jpg"
    photo.write_bytes(samples.photo_with_gps())
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_verified_citizen(page, live_server, session, cipher, "王老板", id_number(871))
        citizen = session.scalars(select(Citizen).where(Citizen.real_name.is_not(None))
                                  .order_by(Citizen.id.desc()).limit(1)).one()
        case = applications.intake(session, cipher, clerk, item_code=item.code, centre_id=centre.id, now=MONDAY_8AM,
                                   accept=applications.Advance(S.ACCEPTED),
                                   applicant=applications.Applicant("business", "老王家常菜馆", credit_code=credit_code(87),
                                                                    id_number=id_number(871)))
        case.proxy_citizen_id = citizen.id
        slot = inspections.add_slot(session, inspector, centre_id=centre.id, starts_at=MONDAY_8AM + timedelta(days=1),
                                    minutes=30, now=MONDAY_8AM)
        inspection = inspections.schedule(session, clerk, case, slot_id=slot.id,
                                          video_link="https://video.liaocheng.gov.cn/room/871", now=MONDAY_8AM)
        reference, inspection_id = case.reference, inspection.id
        session.commit()

        page.goto(f"{live_server}/simulator/#/applications/{reference}")
        expect(page.locator("#inspection-status")).to_have_text("待踏勘")
        expect(page.get_by_role("link", name="https://video.liaocheng.gov.cn/room/871")).to_be_visible()
        assert_accessible(page, "simulator remote inspection")
        page.locator("#evidence-0").get_by_label("拍照或短视频（未上传）").set_input_files(str(photo))
        page.locator("#evidence-0").get_by_role("button", name="上传这一项的照片或视频").click()
        expect(page.locator("#evidence-0").get_by_label("拍照或短视频（已上传 1 个）")).to_be_visible()
        clip = photo.with_name("site.mp4")                     # and a short video walking through the kitchen
        clip.write_bytes(samples.video(seconds=25))
        page.locator("#evidence-0").get_by_label("拍照或短视频（已上传 1 个）").set_input_files(str(clip))
        page.locator("#evidence-0").get_by_role("button", name="上传这一项的照片或视频").click()
        expect(page.locator("#evidence-0").get_by_label("拍照或短视频（已上传 2 个）")).to_be_visible()

        signed = requests.post(f"{live_server}/api/staff/v1/inspections/{inspection_id}/conclusion",
                               headers=staff_headers(live_server, inspector), timeout=10, json={
                                   "findings": {key: {"ok": True} for key in ("layout", "zoning", "pests", "cold",
                                                                              "health")},
                                   "conclusion": "pass"})
        assert signed.status_code == 200, signed.text
        page.reload()
        expect(page.locator("#inspection-status")).to_have_text("踏勘通过")
