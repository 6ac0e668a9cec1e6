"""网上申报 end to end through the mini-program's own pages at /simulator/mp/ (Chromium, live app): the item's
guide → 网上申报 → fill → upload photos (wx.chooseMedia, wx.uploadFile) → one material deferred with a promise →
submit → staff 补正 → the citizen answers on the case page with a new photo → accepted, approved, completed → 我的证照
shows the certificate with its QR code → the verification page it opens says 有效."""

from __future__ import annotations

import pytest
import requests
import time_machine
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from miniapp_api.applications.models import Application
from miniapp_api.platform import events
from miniapp_api.platform.clock import utcnow
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, CentreFactory, ItemFactory, WindowFactory, id_number, make_staff
from tests.files import samples
from tests.simulator.phone import current_page, open_phone, open_verified_phone
from tests.simulator.staff import staff_headers

pytestmark = pytest.mark.integration
NUMBER = id_number(861)
OPENID = "o-mp-filing"
MATERIALS = [{"name": "本人身份证", "key": True, "form": "copy", "count": 1},
             {"name": "原作业人员证", "key": True, "form": "original", "count": 1},
             {"name": "体检报告", "key": False, "form": "original", "count": 1}]


def card(screen: Locator, text: str) -> Locator:
    """The card of a page that names `text` (a field's or a material's)."""
    return screen.locator("wx-view.card", has_text=text)


def upload(page: Page, button: Locator, *files) -> None:
    """Tap an upload button (wx.chooseMedia opens the browser's file chooser) and pick `files`; each goes up
    through wx.uploadFile."""
    with page.expect_file_chooser() as chooser:
        button.click()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/files") and r.ok):
        chooser.value.set_files([str(f) for f in files])


def test_filing_online_through_a_correction_to_a_certificate_that_verifies(page: Page, live_server, committed_db,
                                                                            app, wechat, tmp_path, artifacts):
    session = committed_db.session
    centre = CentreFactory(region="开发区", name="聊城经济技术开发区政务服务中心")
    item = ItemFactory(name="特种设备作业人员证复审", audience="citizen", materials=MATERIALS)
    WindowFactory(centre_id=centre.id, items=[item])
    clerk = make_staff(session, [centre], ("window_staff",))
    session.commit()
    photo, blurred, second, sharp = (tmp_path / "id.jpg", tmp_path / "old.jpg", tmp_path / "old-back.jpg",
                                     tmp_path / "id-again.jpg")
    photo.write_bytes(samples.photo_with_gps(colour=(200, 10, 10)))
    blurred.write_bytes(samples.photo_with_gps(colour=(10, 10, 200)))
    second.write_bytes(samples.photo_with_gps(colour=(10, 100, 100)))
    sharp.write_bytes(samples.photo_with_gps(size=(1200, 900), colour=(10, 200, 10)))
    with time_machine.travel(MONDAY_8AM, tick=True):
        phone = open_verified_phone(page, live_server, session, app.extensions["banshi.cipher"], OPENID, "周师傅",
                                    NUMBER, f"pages/items/index?code={item.code}")

        # The item's guide → 网上申报: the one centre handling it is taken, 开始填写 makes the draft.
        phone.get_by_role("button", name="网上申报（在手机上填表、传材料）").click()
        form = current_page(phone, "pages/filing/index")
        expect(form.get_by_text(f"到哪个中心办理：{centre.name}")).to_be_visible()
        form.get_by_role("button", name="开始填写").click()

        # Fill → upload → one material for later.
        expect(form.get_by_label("原证书编号")).to_be_visible()
        form.get_by_label("原证书编号").fill("TS-2022-0861")
        form.get_by_label("用人单位").fill("聊城市开发区物流公司")
        card(form, "作业项目").get_by_role("button").click()                     # <picker range>
        phone.get_by_role("dialog").get_by_role("button", name="叉车司机（N1）").click()
        expect(card(form, "作业项目").get_by_role("button")).to_have_text("叉车司机（N1）")
        form.get_by_label("近四年作业记录（小时）").fill("3200")
        upload(page, form.get_by_role("button", name="上传“本人身份证”"), photo)
        expect(card(form, "本人身份证（必需").get_by_text("已上传 1 个文件")).to_be_visible()
        expect(form.get_by_text("“本人身份证”已上传，草稿已保存")).to_be_visible()
        upload(page, form.get_by_role("button", name="上传“原作业人员证”"), blurred, second)
        expect(card(form, "原作业人员证（必需").get_by_text("已上传 2 个文件")).to_be_visible()
        deferred = card(form, "体检报告（").get_by_role("checkbox")
        expect(deferred).to_have_attribute("aria-checked", "false")
        card(form, "体检报告（").get_by_text("这份先不交", exact=False).click()
        expect(deferred).to_have_attribute("aria-checked", "true")
        form.get_by_text("到办理中心领取", exact=True).click()
        expect(form.get_by_role("radio").first).to_have_attribute("aria-checked", "true")
        page.screenshot(path=artifacts / "mp-filing-form.png")
        assert_accessible(page, "mini-program online filing")
        form.get_by_role("button", name="提交申报").click()                     # no promise yet: refused, by field
        promise_card = card(form, "先办、材料后补：")
        expect(promise_card.locator(".error")).to_contain_text("请写下您的承诺")
        form.get_by_label("补交承诺").fill("承诺于10个工作日内补交体检报告")
        form.get_by_role("button", name="提交申报").click()
        expect(form.get_by_text("已提交。受理编号：", exact=False)).to_be_visible()
        form.get_by_role("button", name="查看办理进度").click()
        case_page = current_page(phone, "pages/applications/detail")
        expect(card(case_page, item.name)).to_contain_text("已提交")
        reference = session.scalars(select(Application.reference).where(Application.item_id == item.id)).one()

        # Staff 预审: 补正 of the ID photo; the citizen answers it on the case page with a new photo.
        headers = staff_headers(live_server, clerk)
        advance = f"{live_server}/api/staff/v1/applications/{reference}/advance"
        asked = requests.post(advance, headers=headers, timeout=10, json={
            "to": "needs_correction", "corrections": [{"name": "本人身份证", "note": "照片反光看不清"}]})
        assert asked.status_code == 200, asked.text
        case_page = current_page(open_phone(page, live_server, OPENID, f"pages/applications/detail?ref={reference}"),
                                 "pages/applications/detail")
        expect(card(case_page, item.name).first).to_contain_text("待补正")
        expect(case_page.get_by_text("原因：照片反光看不清")).to_be_visible()
        case_page.get_by_label("补正说明").fill("重新拍了，没有反光")
        upload(page, case_page.get_by_role("button", name="拍照或选照片，补交“本人身份证”"), sharp)
        expect(case_page.get_by_text("补正材料已提交，窗口会尽快审核")).to_be_visible()
        expect(card(case_page, item.name).first).to_contain_text("已提交")
        case = session.scalars(select(Application).where(Application.reference == reference)).one()
        fixed = next(m for m in case.materials if m.name == "本人身份证")
        assert (fixed.kind, len(fixed.files), fixed.citizen_note) == ("correction", 1, "重新拍了，没有反光")

        # Accepted with the promised medical report, received, approved, completed.
        moved = requests.post(advance, headers=headers, timeout=10, json={
            "to": "accepted_pending_materials", "missing_materials": ["体检报告"],
            "promise_text": "承诺于10个工作日内补交体检报告", "materials_due_on": "2026-12-04"})
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
        certificate_shows_and_verifies(page, live_server, OPENID, "特种设备安全管理和作业人员证", NUMBER,
                                       artifacts / "mp-certificate.png")


def certificate_shows_and_verifies(page: Page, base: str, openid: str, type_name: str, id_number: str,
                                   screenshot=None) -> Page:
    """Home → 我的证照 → the certificate (有效, its QR code drawn) → the page its QR opens says 有效, without the
    ID number; 保存PDF fetches the printable copy (wx.downloadFile) and opens it (wx.openDocument). Returns the
    verification page."""
    phone = open_phone(page, base, openid)
    phone.get_by_text("我的证照", exact=True).click()
    listing = current_page(phone, "pages/licences/index")
    with page.expect_response(lambda r: "/api/v1/certificates/" in r.url and r.ok) as shown:
        listing.locator("wx-view.card", has_text=f"电子证照 · {type_name}").click()
    certificate = current_page(phone, "pages/licences/certificate")
    expect(certificate.get_by_text("状态：有效")).to_be_visible()
    qr = certificate.get_by_role("img", name="证照核验二维码")
    expect(qr).to_be_visible()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=qr.element_handle())
    if screenshot:
        page.screenshot(path=screenshot)
    assert_accessible(page, "mini-program certificate")

    # 保存可打印的证照（PDF）: the PDF is fetched with the citizen's token and opened in the document viewer.
    with page.expect_response(lambda r: r.url.endswith("/pdf")) as pdf, page.context.expect_page() as viewer:
        certificate.get_by_role("button", name="保存可打印的证照（PDF）").click()
    assert (pdf.value.status, pdf.value.headers["content-type"]) == (200, "application/pdf")
    assert viewer.value.url.startswith("blob:")   # the downloaded temp file, opened
    viewer.value.close()
    expect(certificate.get_by_text("已打开可打印的证照", exact=False)).to_be_visible()

    # The QR code carries the verification link; whoever scans it sees the page it opens.
    verification = page.context.new_page()
    verification.goto(shown.value.json()["verify_url"])
    expect(verification.get_by_role("status")).to_have_text("有效")
    assert id_number not in verification.content()
    return verification
