"""网上申报 end to end in the simulator (Chromium, live app): fill → upload → submit → staff 补正 → the citizen
answers with a new photo → accepted, approved, completed → the certificate shows with its QR code → the
verification page says 有效."""

from __future__ import annotations

import pytest
import requests
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.applications.models import Application
from miniapp_api.platform import events
from miniapp_api.platform.clock import utcnow
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, CentreFactory, ItemFactory, WindowFactory, id_number, make_staff
from tests.files import samples
from tests.simulator.test_simulator import new_verified_citizen, staff_headers

pytestmark = pytest.mark.integration
NUMBER = id_number(861)
MATERIALS = [{"name": "本人身份证", "key": True, "form": "copy", "count": 1},
             {"name": "原作业人员证", "key": True, "form": "original", "count": 1},
             {"name": "体检报告", "key": False, "form": "original", "count": 1}]


def test_filing_online_through_a_correction_to_a_certificate_that_verifies(page: Page, live_server, committed_db,
                                                                            app, wechat, tmp_path):
    session = committed_db.session
    centre = CentreFactory(region="开发区", name="聊城经济技术开发区政务服务中心")
    item = ItemFactory(name="特种设备作业人员证复审", audience="citizen", materials=MATERIALS)
    WindowFactory(centre_id=centre.id, items=[item])
    clerk = make_staff(session, [centre], ("window_staff",))
    session.commit()
    photo, blurred, sharp, pdf = (tmp_path / "id.jpg", tmp_path / "old.jpg", tmp_path / "id-again.jpg",
                                  tmp_path / "licence.pdf")
    photo.write_bytes(samples.photo_with_gps(colour=(200, 10, 10)))
    blurred.write_bytes(samples.photo_with_gps(colour=(10, 10, 200)))
    sharp.write_bytes(samples.photo_with_gps(size=(1200, 900), colour=(10, 200, 10)))
    pdf.write_bytes(samples.pdf())
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_verified_citizen(page, live_server, session, app.extensions["banshi.cipher"], "周师傅", NUMBER)

        # Fill → upload → submit.
        page.goto(f"{live_server}/simulator/#/items/{item.code}")
        page.get_by_role("link", name="网上申报").click()
        page.get_by_role("button", name="开始填写").click()
        expect(page.get_by_label("原证书编号（必填）")).to_be_visible()
        page.get_by_label("原证书编号（必填）").fill("TS-2022-0861")
        page.get_by_label("用人单位（必填）").fill("聊城市开发区物流公司")
        page.get_by_label("作业项目（必填）").select_option("叉车司机（N1）")
        page.get_by_label("近四年作业记录（小时）（必填）").fill("3200")
        page.get_by_label("本人身份证（必需）").set_input_files(str(photo))
        expect(page.locator("#m-0-count")).to_have_text("已上传 1 个文件")
        page.get_by_label("原作业人员证（必需）").set_input_files([str(blurred), str(pdf)])
        expect(page.locator("#m-1-count")).to_have_text("已上传 2 个文件")
        page.get_by_label("这份先不交，以后补交", exact=True).check()
        assert_accessible(page, "simulator online filing")
        page.get_by_role("button", name="提交申报").click()                 # no promise yet: refused, by field
        expect(page.locator('[data-field="promise_text"] .field-error')).to_contain_text("请写下您的承诺")
        page.get_by_label("补交承诺（有材料以后补交时填写）").fill("承诺于10个工作日内补交体检报告")
        page.get_by_role("button", name="提交申报").click()
        expect(page.locator("#application-status")).to_have_text("已提交")
        reference = page.url.rsplit("/", 1)[1]

        # Staff 预审: 补正 of the ID photo.
        headers = staff_headers(live_server, clerk)
        advance = f"{live_server}/api/staff/v1/applications/{reference}/advance"
        asked = requests.post(advance, headers=headers, timeout=10, json={
            "to": "needs_correction", "corrections": [{"name": "本人身份证", "note": "照片反光看不清"}]})
        assert asked.status_code == 200, asked.text
        page.reload()
        expect(page.locator("#application-status")).to_have_text("待补正")
        expect(page.get_by_text("补正原因：照片反光看不清")).to_be_visible()
        page.get_by_label("补正后的材料（图片或 PDF）").set_input_files(str(sharp))
        page.get_by_role("button", name="提交补正“本人身份证”").click()
        expect(page.locator("#application-status")).to_have_text("已提交")

        # Accepted with the promised medical report, received, approved, completed.
        case = session.scalars(select(Application).where(Application.reference == reference)).one()
        for step in ({"to": "accepted_pending_materials", "missing_materials": ["体检报告"],
                      "promise_text": "承诺于10个工作日内补交体检报告", "materials_due_on": "2026-12-04"},):
            moved = requests.post(advance, headers=headers, json=step, timeout=10)
            assert moved.status_code == 200, moved.text
        session.expire_all()
        owed = next(m for m in session.get(Application, case.id).materials if m.kind == "deferred")
        received = requests.post(f"{live_server}/api/staff/v1/applications/{reference}/materials/{owed.id}/received",
                                 headers=headers, json={}, timeout=10)
        assert received.status_code == 200, received.text
        for step in ("in_review", "approved", "completed"):
            moved = requests.post(advance, headers=headers, json={"to": step}, timeout=10)
            assert moved.status_code == 200, moved.text
        events.dispatch(session, events.pending_events(session, utcnow()), utcnow())
        session.commit()

        # The certificate, its QR code, and the page the QR opens.
        certificate_shows_and_verifies(page, live_server, "特种设备安全管理和作业人员证", NUMBER)


def certificate_shows_and_verifies(page: Page, base: str, type_name: str, id_number: str) -> None:
    """我的证照 → the certificate (有效, its QR code drawn) → the page its QR opens says 有效, without the ID number."""
    page.goto(f"{base}/simulator/#/certificates")
    page.get_by_role("link", name=type_name).click()
    expect(page.locator("#certificate-status")).to_have_text("有效")
    page.wait_for_function("document.querySelector('#certificate-qr').naturalWidth > 0")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="打开核验页面").click()
    verification = opened.value
    verification.wait_for_load_state()
    expect(verification.get_by_role("status")).to_have_text("有效")
    assert id_number not in verification.content()
