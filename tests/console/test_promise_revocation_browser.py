"""审管联动 in the console, in Chromium: a case approved on a signed 告知承诺 shows the promise and the check section;
the clerk writes the reason, ticks the confirmation and revokes; the page and the timeline say why. No serious
axe violation on the page with the section."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect

from miniapp_api.applications import promises
from miniapp_api.applications import services as applications
from miniapp_api.applications.models import ApplicationStatus as S
from miniapp_api.filing.forms import definition_for
from miniapp_api.filing.services import promise_note
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import MONDAY_8AM, CentreFactory, ItemFactory, WindowFactory, business_with_agent, make_staff

pytestmark = pytest.mark.integration
REASON = "实地核查：住所为住宅，不能用作经营场所"


def test_a_clerk_revokes_an_approval_granted_on_a_promise(page: Page, live_server, committed_db, app, wechat):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM, tick=True):
        centre = CentreFactory(region="开发区")
        item = ItemFactory(name="营业执照（设立登记）", audience="citizen")
        WindowFactory(centre_id=centre.id, items=[item])
        clerk = make_staff(session, [centre], ("window_staff",), name="李窗口")
        _, _, citizen = business_with_agent(session, cipher, 781, now=MONDAY_8AM)
        case = applications.file_online(session, cipher, item=item, centre_id=centre.id,
                                        applicant=applications.Applicant("person", "周敏"), citizen_id=citizen.id,
                                        proxy_citizen_id=None, delivery="pickup", now=MONDAY_8AM, public_note="网上申报")
        promise = definition_for(item.name).promises[0]
        applications.record_citizen_event(session, case, citizen.id, promises.PROMISE_EVENT, MONDAY_8AM,
                                          promise_note(promise, "2026-11-23T08:00:00+08:00"))
        for to in (S.ACCEPTED, S.IN_REVIEW, S.APPROVED):
            applications.advance(session, clerk, case, applications.Advance(to), MONDAY_8AM)
        session.commit()
        reference = case.reference

        sign_in(page, live_server, clerk.username)
        page.goto(f"{live_server}/console/applications/{reference}")
        check = page.locator("#promise-check")
        expect(check).to_contain_text("住所（经营场所）真实、合法、可用")
        assert_accessible(page, "a case approved on a 告知承诺, with its check section")
        check.get_by_label("撤销原因（核查发现的情况）").fill(REASON)
        check.get_by_role("button", name="撤销审批").click()
        expect(page.get_by_role("alert").or_(page.locator(".error")).first).to_be_visible()   # not confirmed yet
        page.locator("#promise-check").get_by_label("确认撤销审批（不能恢复）").check()
        page.locator("#promise-check").get_by_role("button", name="撤销审批").click()
        expect(page.locator("#promise-check")).to_contain_text("审批已撤销")
        expect(page.locator("ol.timeline")).to_contain_text(REASON)
        assert_accessible(page, "a case whose approval was revoked")
