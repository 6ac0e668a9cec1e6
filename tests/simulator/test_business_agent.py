"""An agent acting for a business, and a mailed result's tracking, through the mini-program's own pages at
/simulator/mp/ (Chromium, live app): the agent a counter confirmed finds the business under 我的企业, files its
食品经营许可证 online in the business's name with the result to be mailed, follows the case from the business's page
to 已寄出 with the carrier and tracking number (copied), and sees it delivered; the legal representative then ends
the agent's authorisation on their own phone (a reason is asked for first), and the business leaves the agent's
我的企业."""

from __future__ import annotations

import pytest
import requests
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.applications.models import Application
from miniapp_api.businesses.models import BusinessLink
from miniapp_api.platform import events
from miniapp_api.platform.clock import utcnow
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, CentreFactory, ItemFactory, WindowFactory, business_with_agent, make_staff
from tests.files import samples
from tests.simulator.phone import current_page, open_phone
from tests.simulator.test_filing import card, upload
from tests.simulator.staff import staff_headers

pytestmark = pytest.mark.integration
ITEM = "食品经营许可证（新办）"
CARRIER, TRACKING = "中国邮政EMS", "1190012345678"
REQUIRED = ("食品经营许可申请书", "营业执照", "法定代表人或负责人身份证", "经营场所平面图和设备布局图")
LATER = ("食品安全管理制度", "从业人员健康证明")
MATERIALS = ([{"name": name, "key": True, "form": "original", "count": 1} for name in REQUIRED]
             + [{"name": name, "key": False, "form": "copy", "count": 1} for name in LATER])


def test_an_agent_files_for_the_business_and_follows_the_mailed_result(page: Page, live_server, committed_db, app,
                                                                       wechat, tmp_path, artifacts):
    session = committed_db.session
    centre = CentreFactory(region="东昌府区", name="东昌府区政务服务中心")
    item = ItemFactory(name=ITEM, audience="business", materials=MATERIALS)
    WindowFactory(centre_id=centre.id, items=[item])
    clerk = make_staff(session, [centre], ("window_staff",))
    business, representative, agent = business_with_agent(session, app.extensions["banshi.cipher"], 880,
                                                          now=MONDAY_8AM)
    session.commit()
    photos = []
    for n, name in enumerate(REQUIRED):
        photos.append(tmp_path / f"material-{n}.jpg")
        photos[-1].write_bytes(samples.photo_with_gps(colour=(40 * n, 120, 200 - 40 * n)))
    until = (MONDAY_8AM.date().replace(year=MONDAY_8AM.year + 1)).isoformat()
    with time_machine.travel(MONDAY_8AM, tick=True):
        # 我的 → 我的企业: the business the counter linked, as its agent, until when.
        phone = open_phone(page, live_server, agent.openid)
        phone.get_by_text("我的（实名核验、亲友代办）", exact=True).click()
        me = current_page(phone, "pages/me/index")
        expect(me.get_by_text("实名状态：已实名核验")).to_be_visible()   # loaded: nothing moves under the tap
        me.get_by_text("我的企业（证照、申报、批量办理、经办人与收款账户）", exact=True).click()
        mine = current_page(phone, "pages/businesses/index")
        listed = card(mine, business.name)
        expect(listed).to_contain_text(f"经办人（窗口核验），授权有效期至{until}")
        listed.get_by_text(business.name).click()
        expect(mine.get_by_text(f"您是{business.name}的经办人，授权有效期至{until}", exact=False)).to_be_visible()
        expect(mine.get_by_text("代表" + business.name + "办事的人")).to_have_count(0)   # the representative's part
        assert_accessible(page, "mini-program my businesses (agent)")
        listed.get_by_role("button", name="查看证照、申报、批量办理和政策").click()
        detail = current_page(phone, "pages/businesses/detail")
        expect(detail.get_by_text(f"您是：经办人（授权有效期至{until}）")).to_be_visible()
        expect(detail.get_by_text("还没有以这家企业名义网上申报的事项。")).to_be_visible()

        # 网上申报 in the business's name: the one business the agent acts for is taken; the result is mailed.
        phone = open_phone(page, live_server, agent.openid, f"pages/items/index?code={item.code}")
        phone.get_by_role("button", name="网上申报（在手机上填表、传材料）").click()
        form = current_page(phone, "pages/filing/index")
        expect(form.get_by_text(f"以哪家企业申报：{business.name}")).to_be_visible()
        form.get_by_role("button", name="开始填写").click()
        expect(form.get_by_text(f"{ITEM} · {centre.name}")).to_be_visible()
        form.get_by_label("经营场所地址").fill("聊城市东昌府区柳园路18号")
        card(form, "主体业态").get_by_role("button").click()
        phone.get_by_role("dialog").get_by_role("button", name="餐饮服务经营者").click()
        form.get_by_label("经营项目").fill("热食类食品制售")
        form.get_by_label("从业人员人数").fill("6")
        for name, photo in zip(REQUIRED, photos):
            upload(page, form.get_by_role("button", name=f"上传“{name}”"), photo)
            expect(card(form, f"{name}（").get_by_text("已上传 1 个文件")).to_be_visible()
        for later in LATER:
            card(form, f"{later}（").get_by_text("这份先不交", exact=False).click()
            expect(card(form, f"{later}（").get_by_role("checkbox")).to_have_attribute("aria-checked", "true")
        form.get_by_label("补交承诺").fill("承诺于开业前补交健康证明和管理制度")
        form.get_by_text("邮寄到家（免费）", exact=True).click()
        form.get_by_role("button", name="提交申报").click()                 # no address yet: asked for, by field
        expect(form.get_by_text("提交的信息有误，请按提示修改")).to_be_visible()
        expect(form.locator(".error", has_text="此项必填")).to_have_count(3)   # under 收件人, 手机号 and 地址
        form.get_by_label("收件人").fill("吴会计")
        form.get_by_label("收件手机号").fill("13963500880")
        form.get_by_label("收件地址").fill("山东省聊城市东昌府区柳园路18号周记餐饮")
        page.screenshot(path=artifacts / "mp-business-filing-mail.png")
        form.get_by_role("button", name="提交申报").click()
        expect(form.get_by_text("已提交。受理编号：", exact=False)).to_be_visible()
        case = session.scalars(select(Application).where(Application.item_id == item.id)).one()
        assert (case.applicant_type, case.applicant_name, case.credit_code, case.delivery) == (
            "business", business.name, business.credit_code, "mail")
        reference = case.reference
        form.get_by_role("button", name="查看办理进度").click()
        case_page = current_page(phone, "pages/applications/detail")
        expect(case_page.get_by_text("结果邮寄：将邮寄到您填写的地址")).to_be_visible()

        # Staff accept, approve and mail it; the business's page leads the agent to the case and its tracking.
        headers = staff_headers(live_server, clerk)
        for step in ({"to": "accepted_pending_materials", "missing_materials": list(LATER),
                      "promise_text": "承诺于开业前补交健康证明和管理制度", "materials_due_on": "2026-12-07"},
                     {"to": "in_review"}, {"to": "approved"},
                     {"to": "mailed", "carrier": CARRIER, "tracking_number": TRACKING}):
            moved = requests.post(f"{live_server}/api/staff/v1/applications/{reference}/advance", headers=headers,
                                  json=step, timeout=10)
            assert moved.status_code == 200, moved.text
        events.dispatch(session, events.pending_events(session, utcnow()), utcnow())
        session.commit()
        phone = open_phone(page, live_server, agent.openid, f"pages/businesses/detail?id={business.id}")
        detail = current_page(phone, "pages/businesses/detail")
        filed = card(detail, ITEM)
        expect(filed).to_contain_text(f"已提交，受理编号 {reference}")
        filed.click()
        case_page = current_page(phone, "pages/applications/detail")
        expect(case_page.get_by_text("结果邮寄：已寄出，正在派送，请留意快递员电话")).to_be_visible()
        expect(case_page.get_by_text(f"快递公司：{CARRIER}")).to_be_visible()
        expect(case_page.get_by_text(f"运单号：{TRACKING}")).to_be_visible()
        case_page.get_by_role("button", name="复制运单号").click()
        expect(case_page.get_by_text("运单号已复制，可到快递公司的小程序或电话查询")).to_be_visible()
        page.screenshot(path=artifacts / "mp-mailed-tracking.png")
        assert_accessible(page, "mini-program mailed result")

        session.expire_all()
        for owed in (m for m in session.get(Application, case.id).materials if m.kind == "deferred"):
            received = requests.post(f"{live_server}/api/staff/v1/applications/{reference}/materials/{owed.id}/received",
                                     headers=headers, json={}, timeout=10)
            assert received.status_code == 200, received.text
        moved = requests.post(f"{live_server}/api/staff/v1/applications/{reference}/advance", headers=headers,
                              json={"to": "completed"}, timeout=10)
        assert moved.status_code == 200, moved.text
        phone = open_phone(page, live_server, agent.openid, f"pages/applications/detail?ref={reference}")
        case_page = current_page(phone, "pages/applications/detail")
        expect(case_page.get_by_text("结果邮寄：已送达，办件已办结")).to_be_visible()
        expect(case_page.get_by_text(f"运单号：{TRACKING}")).to_be_visible()

        # The legal representative ends the agent's authorisation on their own phone: a reason first.
        phone = open_phone(page, live_server, representative.openid, "pages/businesses/index")
        theirs = current_page(phone, "pages/businesses/index")
        card(theirs, business.name).get_by_text(business.name).click()
        expect(theirs.get_by_text(f"代表{business.name}办事的人")).to_be_visible()
        row = card(theirs, "吴** · 经办人")
        expect(row).to_contain_text(f"有效至 {until}")
        row.get_by_role("button", name="结束此人的经办授权").click()
        expect(row.get_by_text("请先填写结束授权的原因，如“已离职”")).to_be_visible()
        row.get_by_label("结束原因，如：已离职").fill("已离职")
        row.get_by_role("button", name="结束此人的经办授权").click()
        expect(theirs.get_by_text("已结束该经办人的授权，对方已收到通知")).to_be_visible()
        expect(card(theirs, "吴** · 经办人")).to_contain_text("已结束（已离职）")
        link = session.scalars(select(BusinessLink).where(BusinessLink.citizen_id == agent.id)).one()
        session.refresh(link)
        assert (link.revoked_at is not None, link.ended_by, link.end_reason) == (True, f"representative:{representative.id}", "已离职")

        # The business is gone from the agent's 我的企业.
        phone = open_phone(page, live_server, agent.openid, "pages/businesses/index")
        mine = current_page(phone, "pages/businesses/index")
        expect(mine.get_by_text("您还没有可以代表办事的企业。", exact=False)).to_be_visible()
        expect(mine.get_by_text(business.name)).to_have_count(0)
