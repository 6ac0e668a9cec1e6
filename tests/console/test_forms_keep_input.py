"""Every console form a person types into answers a refusal on its own page: status 422, the Chinese message at
the field, everything typed still there, and nothing changed in the database."""

import html
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, inspect, select

from miniapp_api.platform.models import AuditLog
from tests.factories import reloaded


@dataclass
class Case:
    """One form: where it posts (built from the world), what is posted, the field expected to carry the message
    and what it says, the typed texts that must still be on the page, and the row that must not change."""

    url: object
    data: object
    field: str
    message: str
    kept: object
    row: str
    before: object = None  # a POST (url, data) that readies the form (e.g. 接单 before 答复)


def _row_state(session, obj) -> dict:
    row = reloaded(session, obj)
    return {c.key: getattr(row, c.key) for c in inspect(type(row)).column_attrs}


def _audit_rows(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditLog))


def _field_message(page: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="e-{name}">([^<]*)</p>', page)
    assert found, f"no message at field {name}"
    return html.unescape(found.group(1))


def _post(user, url, data):
    form = {"csrf_token": user.csrf(), **data}
    return user.client.post(url, data=form)


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
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_refused_form_keeps_what_was_typed(name, console, world, db_session):
    case = CASES[name]
    user = console(world["home_staff"])
    if case.before:
        url, data = case.before(world)
        assert _post(user, url, data).status_code == 303
    before = _row_state(db_session, world[case.row])
    audits = _audit_rows(db_session)
    answer = _post(user, case.url(world), case.data(world))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422, page
    assert 'role="alert"' in page and "未做任何更改" in page
    assert case.message in _field_message(page, case.field)
    assert re.search(rf'name="{case.field}"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*e-{case.field}', page)
    for text in case.kept(world):
        assert html.escape(text, quote=False) in page or text in page, text
    assert _row_state(db_session, world[case.row]) == before
    assert _audit_rows(db_session) == audits
