"""电子证照 through the mini-program's own pages at /simulator/mp/ (Chromium, live app): a case staff approve and
complete issues the certificate; 我的证照 shows it with its QR code and its printable PDF; the verification page
the QR opens says 有效 and shows no ID number; after the manager revokes it the page says 已撤销, and so does the
certificate on the phone, with the reason."""

from __future__ import annotations

import pytest
import requests
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.certificates.models import Certificate
from miniapp_api.platform import events
from miniapp_api.platform.clock import utcnow
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, CentreFactory, ItemFactory, WindowFactory, id_number, make_staff
from tests.simulator.phone import current_page, open_phone, open_verified_phone
from tests.simulator.test_filing import certificate_shows_and_verifies
from tests.simulator.staff import staff_headers

pytestmark = pytest.mark.integration
NUMBER = id_number(851)
OPENID = "o-mp-certificate"
TYPE_NAME = "特种设备安全管理和作业人员证"


def test_a_completed_case_shows_its_certificate_with_a_qr_code_that_verifies(page: Page, live_server,
                                                                              committed_db, app, wechat, artifacts):
    session = committed_db.session
    centre = CentreFactory(region="开发区")
    item = ItemFactory(name="特种设备作业人员证复审", audience="citizen")
    WindowFactory(centre_id=centre.id, items=[item])
    clerk, manager = make_staff(session, [centre], ("window_staff",)), make_staff(session, [centre], ("centre_manager",))
    session.commit()
    with time_machine.travel(MONDAY_8AM, tick=True):
        open_verified_phone(page, live_server, session, app.extensions["banshi.cipher"], OPENID, "周师傅", NUMBER)

        # Nothing issued yet: 我的证照 lists no 电子证照.
        phone = open_phone(page, live_server, OPENID, "pages/licences/index")
        listing = current_page(phone, "pages/licences/index")
        expect(listing.get_by_text("没有查到您的证照", exact=False)).to_be_visible()
        expect(listing.get_by_text("电子证照 · ", exact=False)).to_have_count(0)

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

        verification = certificate_shows_and_verifies(page, live_server, OPENID, TYPE_NAME, NUMBER,
                                                      artifacts / "mp-certificate-issued.png")
        assert "周**" in verification.content()
        assert_accessible(verification, "certificate verification page")
        certificate = current_page(page.locator("#mp-phone"), "pages/licences/certificate")
        expect(certificate.get_by_text("持证主体：周师傅", exact=False)).to_be_visible()
        expect(certificate.get_by_text(NUMBER)).to_have_count(0)                # masked on the phone too

        certificate_id = session.scalars(select(Certificate.id)).one()
        revoked = requests.post(f"{live_server}/api/staff/v1/certificates/{certificate_id}/revoke",
                                headers=staff_headers(live_server, manager), json={"reason": "复审材料弄虚作假"},
                                timeout=10)
        assert revoked.status_code == 200, revoked.text
        verification.reload()
        expect(verification.get_by_role("status")).to_have_text("已撤销")

        # The citizen's own copy says so, with the reason.
        phone = open_phone(page, live_server, OPENID, f"pages/licences/certificate?id={certificate_id}")
        expect(current_page(phone, "pages/licences/certificate").get_by_text("状态：已撤销（复审材料弄虚作假）")).to_be_visible()
