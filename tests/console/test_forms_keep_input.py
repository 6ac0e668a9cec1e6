"""Every console form a person types into answers a refusal on its own page: status 422, the Chinese message at
the field, everything typed still there, and nothing changed in the database."""

import html
import io
import re
from datetime import timedelta
from dataclasses import dataclass

import pytest
from sqlalchemy import func, inspect, select

from miniapp_api.guidance.models import GuideEntry, GuideScenario, GuideSynonym, ItemGuideRevision
from miniapp_api.identity.models import RelativeAuthorisation
from miniapp_api.inspections.models import Inspection, InspectorSlot
from miniapp_api.licences.models import Licence
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.models import AuditLog
from tests.factories import make_staff, reloaded
from tests.licences.test_licences import csv_text


@dataclass
class Case:
    """One form: where it posts (built from the world), what is posted, the field expected to carry the message
    and what it says, the typed texts that must still be on the page, and the row that must not change."""

    url: object
    data: object
    field: str
    message: str
    kept: object
    row: object  # a key of the world, or a function of it
    before: object = None  # a POST (url, data) that readies the form (e.g. 接单 before 答复)
    who: tuple[str, ...] = ()
    table: object = None  # a model whose rows must not grow
    control: str = ""  # the input that points at the message, when it is not named `field`
    centres: tuple[str, ...] = ("home",)  # the new staff member's centres (with `who`)
    setup: object = None  # a function of (session, world) that readies the page  # roles of a new staff member of the home centre who posts; else its manager


VIEWS = ("view_application", "view_feedback", "filing.view", "file.view")


def _row_state(session, obj) -> dict:
    row = reloaded(session, obj)
    return {c.key: getattr(row, c.key) for c in inspect(type(row)).column_attrs}


def _audit_rows(session, views: bool = False) -> int:
    """Audit rows of changes (or, with `views`, of looking at personal data: the refused page shows it again)."""
    session.expire_all()
    looked = AuditLog.action.in_(VIEWS)
    return session.scalar(select(func.count()).select_from(AuditLog).where(looked if views else ~looked))


def _field_message(page: str, name: str) -> str:
    found = re.search(rf'<(p|ul) class="[^"]*field-error" id="e-{name}">(.*?)</\1>', page, re.S)
    assert found, f"no message at field {name}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(2)))


def _post(user, url, data):
    form = {"csrf_token": user.csrf(), **data}
    return user.client.post(url, data=form)


def _free_inspection_time(session, world):
    """The case (of an item inspected remotely) without its inspection, and a free inspection time ahead."""
    session.delete(world["inspection"])
    world["item"].name = "食品经营许可证（新办）"  # an item with a checklist (inspections/checklists.yaml)
    world["free_slot"] = InspectorSlot(staff_id=world["home_staff"].id, centre_id=world["home"].id,
                                       starts_at=utcnow() + timedelta(days=2),
                                       ends_at=utcnow() + timedelta(days=2, minutes=30))
    session.add(world["free_slot"])


CASES = {
    "feedback answer": Case(
        url=lambda w: f"/console/feedback/{w['feedback'].id}/answer",
        data=lambda w: {"answer": "好", "internal_note": "已电话联系\n下周回访"},
        field="answer", message="内容太短", kept=lambda w: [">好</textarea>", ">已电话联系\n下周回访</textarea>"],
        row="feedback", before=lambda w: (f"/console/feedback/{w['feedback'].id}/claim", {})),
    "feedback internal note": Case(
        url=lambda w: f"/console/feedback/{w['feedback'].id}/answer",
        data=lambda w: {"answer": "已为您核实处理", "internal_note": "长" * 501},
        field="internal_note", message="内容太长", kept=lambda w: [">已为您核实处理</textarea>", "长" * 501 + "</textarea>"],
        row="feedback", before=lambda w: (f"/console/feedback/{w['feedback'].id}/claim", {})),
    "feedback assign": Case(
        url=lambda w: f"/console/feedback/{w['feedback'].id}/assign",
        data=lambda w: {"staff_id": "abc"},
        field="staff_id", message="应为整数", kept=lambda w: [], row="feedback"),
    "application advance": Case(
        url=lambda w: f"/console/applications/{w['application'].reference}/advance",
        data=lambda w: {"to": "in_review", "public_note": "材料已齐，进入审查", "internal_note": "顺丰当天揽收",
                        "corrections": "营业执照：照片模糊\n身份证：过期", "carrier": "顺丰",
                        "tracking_number": "单号 有空格"},
        field="tracking_number", message="格式不正确", row="application",
        kept=lambda w: ['value="in_review" selected', ">材料已齐，进入审查</textarea>", ">顺丰当天揽收</textarea>",
                        ">营业执照：照片模糊\n身份证：过期</textarea>",
                        'value="顺丰"', 'value="单号 有空格"']),
    "rectification verify": Case(
        url=lambda w: f"/console/rectifications/{w['rectification'].id}/verify",
        data=lambda w: {"note": "电"},
        field="note", message="内容太短", kept=lambda w: [">电</textarea>"], row="rectification"),
    "rectification fix": Case(
        url=lambda w: f"/console/rectifications/{w['rectification'].id}/fix",
        data=lambda w: {"category": "解释说明", "reply": "好"},
        field="reply", message="内容太短", kept=lambda w: ["<option selected>解释说明</option>", ">好</textarea>"],
        row="rectification"),
    "centre booking policy": Case(
        url=lambda w: f"/console/centres/{w['home'].id}/policy",
        data=lambda w: {"booking_horizon_days": "0", "min_notice_minutes": "30", "cancel_cutoff_minutes": "60",
                        "max_active_per_person": "3", "no_show_limit": "3", "no_show_window_days": "90",
                        "suspension_days": "30", "no_show_grace_minutes": "15", "checkin_radius_m": "300",
                        "presence_check": "true"},
        field="booking_horizon_days", message="数值太小", row="home",
        kept=lambda w: ['name="booking_horizon_days" type="number" value="0"', 'value="300"',
                        'name="presence_check" value="true" checked']),
    "centre opening hours": Case(
        url=lambda w: f"/console/centres/{w['home'].id}/hours",
        data=lambda w: {"weekday": "3", "opens": "19:00", "closes": "17:00", "label": "延时服务"},
        field="closes", message="结束时间须晚于开始时间", row="home",
        kept=lambda w: ['value="3" selected', 'value="19:00"', 'value="17:00"', 'value="延时服务"']),
    "centre window": Case(
        url=lambda w: f"/console/centres/{w['home'].id}/windows/{w['window'].id}",
        data=lambda w: {"counters": "0"},
        field="counters", message="数值太小", row="window",
        kept=lambda w: ['<details class="card" open>', 'name="counters" type="number" value="0"',
                        f'value="{w["item"].code}"> ']),
    "centre new window": Case(
        url=lambda w: f"/console/centres/{w['home'].id}/windows",
        data=lambda w: {"name": "帮代办窗口", "kind": "proxy", "counters": "2", "slot_minutes": "1",
                        "item_codes": w["item"].code},
        field="slot_minutes", message="数值太小", row="home",
        kept=lambda w: ['value="帮代办窗口"', 'value="proxy" selected', 'name="slot_minutes" type="number" value="1"',
                        f'id="new-{w["item"].code}" name="item_codes" value="{w["item"].code}" checked']),
    "calendar override": Case(
        url=lambda w: f"/console/centres/{w['home'].id}/calendar",
        data=lambda w: {"day": "2026-12-31", "is_workday": "false", "note": "防"},
        field="note", message="内容太短", row="home", who=("admin",),
        kept=lambda w: ['value="2026-12-31"', 'value="false" selected', 'value="防"']),
    "lift a suspension": Case(
        url=lambda w: f"/console/centres/{w['home'].id}/suspensions/{w['suspension'].id}/lift",
        data=lambda w: {"reason": "病"},
        field="reason", message="内容太短", row="suspension", kept=lambda w: ['name="reason" value="病"']),
    "policy rule editor": Case(
        url=lambda w: f"/console/policies/{w['policy']['item'].id}",
        data=lambda w: {"fact_1": "size_class", "op_1": "in", "value_1": "特大型", "fact_2": "employees",
                        "op_2": ">=", "value_2": "3", "group_2": "A", "cases": "- {name: 微型, facts: {size_class: micro}, eligible: true}"},
        field="value_1", message="第1行条件", row=lambda w: w["policy"]["item"],
        kept=lambda w: ['value="特大型"', '<option value="employees" selected>', '<option value="&gt;=" selected>',
                        '<option value="A" selected>', ">- {name: 微型, facts: {size_class: micro}, eligible: true}</textarea>"]),
    "policy test cases": Case(
        url=lambda w: f"/console/policies/{w['policy']['item'].id}",
        data=lambda w: {"fact_1": "size_class", "op_1": "in", "value_1": "小型，微型",
                        "cases": "- {name: 微型, facts: [size_class: micro"},
        field="cases", message="YAML 格式错误", row=lambda w: w["policy"]["item"],
        kept=lambda w: ['value="小型，微型"', ">- {name: 微型, facts: [size_class: micro</textarea>"]),
    "policy grant review": Case(
        url=lambda w: f"/console/policy-grants/{w['policy']['grant'].id}/review",
        data=lambda w: {"approve": "no", "reason": "  "},
        field="reason", message="不通过时请写明原因", row=lambda w: w["policy"]["grant"],
        kept=lambda w: ['name="reason" maxlength="200" placeholder="不通过原因" value="  "']),
    "guidance new entry": Case(
        url=lambda w: "/console/guidance/entries/new",
        data=lambda w: {"code": "Bad Code", "question": "怎么办理食品经营许可？", "variants": "食品许可\n开店许可",
                        "answer": "带上营业执照到窗口办理", "item_codes": w["item"].code,
                        "owner_centre_id": str(w["home"].id), "department": "市场监管"},
        field="code", message="编号只能包含", row="home", table=GuideEntry,
        kept=lambda w: ['value="Bad Code"', 'value="怎么办理食品经营许可？"', ">食品许可\n开店许可</textarea>",
                        ">带上营业执照到窗口办理</textarea>", f'value="{w["item"].code}" checked',
                        'value="市场监管"']),
    "guidance entry": Case(
        url=lambda w: f"/console/guidance/entries/{w['guide']['entry']}",
        data=lambda w: {"question": "测试问题改", "answer": "新的答案", "scenario_codes": "no-such-scenario",
                        "owner_centre_id": str(w["home"].id), "department": "综合服务"},
        field="scenario_codes", message="no-such-scenario", row="home", table=GuideEntry,
        kept=lambda w: ['value="测试问题改"', ">新的答案</textarea>", ">no-such-scenario</textarea>"]),
    "guidance scenario form": Case(
        url=lambda w: f"/console/guidance/scenarios/{w['guide']['scenario']}",
        data=lambda w: {"title": "测试情景改", "summary": "测试", "audience": "business",
                        "questions.0.key": "first", "questions.0.text": "是否第一次办理？", "questions.0.kind": "yesno",
                        "outcomes.0.item": "NOPE-9", "outcomes.0.when.0": "first=true", "outcomes.0.note": "带上身份证",
                        "owner_centre_id": str(w["home"].id), "department": "综合服务"},
        field="outcomes-0-item", control="outcomes.0.item", message="没有找到事项：NOPE-9", row="home",
        table=GuideScenario,
        kept=lambda w: ['value="测试情景改"', 'value="business" selected', 'value="是否第一次办理？"',
                        'value="NOPE-9"', 'value="first=true" selected', 'value="带上身份证"']),
    "guidance scenario YAML import": Case(
        url=lambda w: f"/console/guidance/scenarios/{w['guide']['scenario']}",
        data=lambda w: {"edit": "import", "yaml": "title: 测试情景改\nquestions:\n- {key: a, text: 有吗？\n"},
        field="yaml", message="YAML 格式错误：第 4 行", row="home", table=GuideScenario,
        kept=lambda w: [">title: 测试情景改\nquestions:\n- {key: a, text: 有吗？\n</textarea>"]),
    "guidance item guide": Case(
        url=lambda w: f"/console/guidance/items/{w['item'].code}",
        data=lambda w: {"what_you_get": "许可证", "who_can_apply": "经营者", "steps": "提交\n领证", "fee": "",
                        "materials": "申请书, 必需, 原件, 1"},
        field="fee", message="此项必填", row="item", table=ItemGuideRevision,
        kept=lambda w: ['value="许可证"', 'value="经营者"', ">提交\n领证</textarea>", ">申请书, 必需, 原件, 1</textarea>"]),
    "guidance synonyms": Case(
        url=lambda w: "/console/guidance/synonyms",
        data=lambda w: {"words": "社保", "owner_centre_id": str(w["home"].id), "department": "人社"},
        field="words", message="同义词组需要2-12个词", row="home", table=GuideSynonym, kept=lambda w: ['value="社保"', 'value="人社"']),
    "certificate revoke": Case(
        url=lambda w: f"/console/certificates/{w['certificate'].id}/revoke",
        data=lambda w: {"reason": "信息有误，持证人申请"},
        field="confirm", message="确认撤销", row="certificate",
        kept=lambda w: ['value="信息有误，持证人申请"']),
    "business agent end": Case(
        url=lambda w: f"/console/businesses/{w['business'].credit_code}/agents/{w['agent_link'].id}/end",
        data=lambda w: {"reason": "已离职"},
        field="confirm", message="确认", row="agent_link", kept=lambda w: ['value="已离职"']),
    "business agent confirm": Case(
        url=lambda w: f"/console/businesses/{w['business'].credit_code}/agents",
        data=lambda w: {"name": "周经办", "id_number": "37150219900101"},
        field="id_number", message="身份证", row="business",
        kept=lambda w: ['value="周经办"', 'value="37150219900101"']),
    "business payout account": Case(
        url=lambda w: f"/console/businesses/{w['business'].credit_code}/payout",
        data=lambda w: {"account_name": "聊城市周记餐饮有限公司", "bank": "中国工商银行聊城分行",
                        "account_number": "6222-0216"},
        field="account_number", message="格式不正确", row="business",
        kept=lambda w: ['value="中国工商银行聊城分行"', 'value="6222-0216"']),
    "relatives paper authorisation": Case(
        url=lambda w: "/console/relatives",
        data=lambda w: {"code": w["invite_code"], "centre_id": str(w["home"].id), "paper_ref": ""},
        field="paper_ref", message="此项必填", row="home", table=RelativeAuthorisation,
        kept=lambda w: [f'value="{w["home"].id}" selected', f'name="code" value="{w["invite_code"]}"']),
    "licence import": Case(
        url=lambda w: "/console/licences/import",
        data=lambda w: {"centre_id": str(w["other"].id), "file": (io.BytesIO(csv_text(
            "食品经营许可证,JY-KEEP-2,企业,某店,91371500MA00000000,,2021-12-01,2026-13-01,").encode()), "l.csv")},
        field="lines", control="file", message="第2行", row="home", table=Licence,
        who=("centre_manager",), centres=("home", "other"),
        kept=lambda w: [f'value="{w["other"].id}" selected']),
    "inspection time": Case(
        url=lambda w: "/console/inspections",
        data=lambda w: {"centre_id": str(w["home"].id), "starts_at": "下周一上午", "minutes": "45"},
        field="starts_at", message="请填写开始时间", row="home", table=InspectorSlot,
        kept=lambda w: [f'value="{w["home"].id}" selected', 'value="下周一上午"', 'value="45"']),
    "inspection conclusion": Case(
        url=lambda w: f"/console/inspections/{w['inspection'].id}/conclusion",
        data=lambda w: {"ok_layout": "no", "note_layout": "后厨与平面图不一致", "conclusion": "pass"},
        field="conclusion", message="有不合格项时不能结论为“通过”", row="inspection",
        kept=lambda w: ['value="no" checked', 'value="后厨与平面图不一致"', 'value="pass" checked']),
    "inspection schedule": Case(
        url=lambda w: f"/console/applications/{w['application'].reference}/inspection",
        data=lambda w: {"slot_id": str(w["free_slot"].id), "video_link": "http://video.example/room-1"},
        field="video_link", message="https", row="application", table=Inspection, setup=_free_inspection_time,
        kept=lambda w: [f'value="{w["free_slot"].id}" selected', 'value="http://video.example/room-1"']),
    "batch advance": Case(
        url=lambda w: f"/console/batches/{w['batch'].reference}/advance",
        data=lambda w: {"to": "accepted", "only_from": "submitted", "carrier": "顺丰", "tracking_number": "单号 有空格"},
        field="tracking_number", message="格式不正确", row="batch",
        kept=lambda w: ['value="accepted" selected', 'value="submitted" selected', 'value="顺丰"',
                        'value="单号 有空格"', "<details open>"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_refused_form_keeps_what_was_typed(name, console, world, db_session):
    case = CASES[name]
    if case.who:
        world["home_staff"] = make_staff(db_session, [world[c] for c in case.centres], case.who)
        db_session.commit()
    if case.setup:
        case.setup(db_session, world)
        db_session.commit()
    user = console(world["home_staff"])
    if case.before:
        url, data = case.before(world)
        assert _post(user, url, data).status_code == 303
    row = case.row(world) if callable(case.row) else world[case.row]
    before = _row_state(db_session, row)
    audits = _audit_rows(db_session)
    rows = db_session.scalar(select(func.count()).select_from(case.table)) if case.table else None
    answer = _post(user, case.url(world), case.data(world))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422, page
    assert 'role="alert"' in page and "未做任何更改" in page
    assert case.message in _field_message(page, case.field)
    control = case.control or case.field
    assert re.search(rf'name="{control}"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*e-{case.field}', page)
    for text in case.kept(world):
        assert html.escape(text, quote=False) in page or text in page, text
    assert _row_state(db_session, row) == before
    assert _audit_rows(db_session) == audits
    if case.table:
        assert db_session.scalar(select(func.count()).select_from(case.table)) == rows


def test_a_refused_form_no_longer_on_its_page_and_a_missing_record_answer_the_error_page(console, world,
                                                                                        db_session):
    user = console(world["home_staff"])
    grant = world["policy"]["grant"]
    # 已拨付到账 is offered only once the grant is approved: refused, and there is no button to show it beside.
    early = user.post(f"/console/policy-grants/{grant.id}/paid")
    page = early.get_data(as_text=True)
    assert early.status_code == 409 and "操作未完成" in page and 'role="alert"' in page
    assert reloaded(db_session, grant).status == "reviewing"
    missing = user.post(f"/console/feedback/{world['feedback'].id + 1000}/answer", {"answer": "已核实处理"})
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "没有找到" in page
    assert re.search(r'<a href="[^"]*" data-back>返回上一页</a>', page) and "back.js" in page


def test_the_refused_page_still_logs_who_looked_at_the_case(console, world, db_session):
    user = console(world["home_staff"])
    reference = world["application"].reference

    def looked() -> int:
        db_session.expire_all()
        return db_session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "view_application", AuditLog.subject_id == reference))

    before = looked()
    refused = user.post(f"/console/applications/{reference}/advance", {"to": "in_review", "tracking_number": "?"})
    assert refused.status_code == 422 and 'id="e-tracking_number"' in refused.get_data(as_text=True)
    assert looked() == before + 1
    assert reloaded(db_session, world["application"]).status == "accepted_pending_materials"
