"""电子证照 in the simulator (Chromium, live app): a case staff approve and complete issues the certificate;
我的证照 shows it with its QR code; the verification page the QR opens says 有效 and shows no ID number;
after the manager revokes it the page says 已撤销."""

from __future__ import annotations

import pytest
import requests
import time_machine
from playwright.sync_api import Page, expect

from miniapp_api.platform import events
from miniapp_api.platform.clock import utcnow
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, CentreFactory, ItemFactory, WindowFactory, id_number, make_staff
from tests.simulator.test_simulator import new_verified_citizen, staff_headers

pytestmark = pytest.mark.integration
NUMBER = id_number(851)


def test_a_completed_case_shows_its_certificate_with_a_qr_code_that_verifies(page: Page, live_server,
                                                                              committed_db, app, wechat):
    session = committed_db.session
    centre = CentreFactory(region="开发区")
    item = ItemFactory(name="特种设备作业人员证复审", audience="citizen")
    WindowFactory(centre_id=centre.id, items=[item])
    clerk, manager = make_staff(session, [centre], ("window_staff",)), make_staff(session, [centre], ("centre_manager",))
    session.commit()
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_verified_citizen(page, live_server, session, app.extensions["banshi.cipher"], "周师傅", NUMBER)

        headers = staff_headers(live_server, clerk)
        case = requests.post(f"{live_server}/api/staff/v1/applications", headers=headers, timeout=10, json={
            "item_code": item.code, "centre_id": centre.id, "applicant": {"name": "周师傅", "id_number": NUMBER},
            "accept": {"to": "accepted"}})
        assert case.status_code == 201, case.text
        reference = case.json()["reference"]
        for step in ("in_review", "approved", "completed"):
            moved = requests.post(f"{live_server}/api/staff/v1/applications/{reference}/advance", headers=headers,
                                  json={"to": step}, timeout=10)
            assert moved.status_code == 200, moved.text
        # What the worker does with the completion event.
        events.dispatch(session, events.pending_events(session, utcnow()), utcnow())
        session.commit()

        page.goto(f"{live_server}/simulator/#/home")
        page.get_by_role("link", name="我的证照").click()
        page.get_by_role("link", name="特种设备安全管理和作业人员证").click()
        expect(page.locator("#certificate-status")).to_have_text("有效")
        expect(page.locator("#certificate-qr")).to_be_visible()
        page.wait_for_function("document.querySelector('#certificate-qr').naturalWidth > 0")   # the SVG QR renders
        assert_accessible(page, "simulator certificate")
        with page.context.expect_page() as opened:
            page.get_by_role("link", name="打开核验页面").click()
        verification = opened.value
        verification.wait_for_load_state()
        expect(verification.get_by_role("status")).to_have_text("有效")
        assert NUMBER not in verification.content() and "周**" in verification.content()
        assert_accessible(verification, "certificate verification page")

        certificate_id = int(page.url.rsplit("/", 1)[1])
        revoked = requests.post(f"{live_server}/api/staff/v1/certificates/{certificate_id}/revoke",
                                headers=staff_headers(live_server, manager), json={"reason": "复审材料弄虚作假"},
                                timeout=10)
        assert revoked.status_code == 200, revoked.text
        verification.reload()
        expect(verification.get_by_role("status")).to_have_text("已撤销")
