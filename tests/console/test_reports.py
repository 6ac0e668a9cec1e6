"""报表: the workbook's summary figures are the dashboard's on a hand-counted fixture; no full name, ID number or
phone in any cell; another centre's rows never appear; a bad form is answered at its fields; one's reports are one's
own."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import func, select

from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.models import AuditLog
from miniapp_api.platform.privacy import mask_id_number
from miniapp_api.ratings.models import Rating, RatingDaily
from miniapp_api.reports import messages as report_messages
from miniapp_api.reports import services as reports
from miniapp_api.reports.models import ReportExport
from miniapp_api.surveys import services as surveys
from miniapp_api.surveys.models import SurveyInvitation
from tests.factories import MONDAY_8AM, CentreFactory, ItemFactory, WindowFactory, id_number, local_day, make_staff

TODAY = local_day(MONDAY_8AM)
SINCE = TODAY - timedelta(days=29)       # the dashboard's default 30 days


@pytest.fixture(autouse=True)
def monday():
    """Everything, signing in included, on Monday 23 November 2026 at 08:00 in Beijing."""
    with time_machine.travel(MONDAY_8AM, tick=False):
        yield


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == reports.XLSX
    return load_workbook(io.BytesIO(response.data), read_only=True)


def every_cell(book) -> list:
    return [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
            if cell is not None]


def summary_value(book, label: str):
    values = [row[1] for row in book["汇总"].iter_rows(values_only=True) if row and row[0] == label]
    assert len(values) == 1, (label, values)
    return values[0]


def detail_rows(book) -> list[tuple]:
    sheet = book.worksheets[1]
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def rated(db_session):
    """Home: 7 ratings in the last 30 days, 2 of them 差评, 1 of those rectified → 好评率 5/7, 差评整改率 1/2.
    Away (another centre): 3 ratings, all bad, none rectified."""
    home, away = CentreFactory(name="东昌府区政务服务中心"), CentreFactory(name="茌平区政务服务中心")
    item = ItemFactory(name="食品经营许可证（新办）")
    window = WindowFactory(centre_id=home.id, items=[item])
    WindowFactory(centre_id=away.id, items=[item])
    citizen = Citizen(openid="o-report-citizen")
    db_session.add(citizen)
    db_session.flush()
    levels = {home: [5, 5, 4, 3, 3, 1, 2], away: [1, 1, 2]}
    ids: dict = {home: [], away: []}
    for centre, centre_levels in levels.items():
        for n, level in enumerate(centre_levels):
            at = MONDAY_8AM - timedelta(days=n)
            rating = Rating(citizen_id=citizen.id, target_type="application", target_id=9000 + len(ids[home]) + len(ids[away]), level=level,
                            centre_id=centre.id, window_id=window.id if centre is home else None, item_id=item.id,
                            created_at=at, tags=[], invalidation={})
            db_session.add(rating)
            db_session.flush()
            ids[centre].append(rating.id)
            db_session.add(RatingDaily(day=local_day(at), centre_id=centre.id, window_id=0, item_id=item.id,
                                       staff_id=0, total=1, good=int(level >= 3), bad=int(level <= 2),
                                       rectified=int(centre is home and level == 1), level_sum=level))
    manager = make_staff(db_session, [home], ("centre_manager",))
    db_session.commit()
    return dict(home=home, away=away, item=item, manager=manager, ids={"home": ids[home], "away": ids[away]})


def form(**values) -> dict:
    return {"kind": "ratings", "date_from": SINCE.isoformat(), "date_to": TODAY.isoformat()} | values


def test_the_summary_holds_the_dashboards_figures_on_a_hand_counted_fixture(console, rated, db_session):
    manager = console(rated["manager"])
    with time_machine.travel(MONDAY_8AM, tick=False):
        dashboard = manager.get("/console/dashboard?days=30").get_data(as_text=True)
        book = workbook(manager.post("/console/reports", form(centre_id=str(rated["home"].id))))
    # The dashboard's row for the centre, as a person reads it: 7 ratings, 71.4 %, 2 差评, 50.0 %.
    row = re.search(r"<tr><td>东昌府区政务服务中心</td><td>(\d+)</td><td>([\d.]+)%</td><td>(\d+)</td>\s*<td>([\d.]+)%",
                    dashboard)
    assert row and row.groups() == ("7", "71.4", "2", "50.0")
    assert summary_value(book, "评价总数") == 7 and summary_value(book, "差评数") == 2
    assert summary_value(book, "好评率") == round(5 / 7, 4)
    assert summary_value(book, "差评整改率") == 0.5
    assert round(100 * summary_value(book, "好评率"), 1) == float(row.group(2))
    assert round(100 * summary_value(book, "差评整改率"), 1) == float(row.group(4))
    rate_cell = next(r for r in book["汇总"].iter_rows() if r and r[0].value == "好评率")[1]
    assert rate_cell.number_format == "0.0%"
    # The filters, when and by whom (the role, never the name).
    assert summary_value(book, "服务中心") == "东昌府区政务服务中心"
    assert summary_value(book, "时段") == f"{SINCE} 至 {TODAY}"
    assert summary_value(book, "生成时间（北京时间）") == "2026-11-23 08:00"
    assert summary_value(book, "生成人") == "中心负责人"
    assert "王芳" not in every_cell(book)
    # The detail: Chinese headers, Beijing times, one row per rating of the home centre only.
    rows = detail_rows(book)
    assert rows[0][:6] == ("编号", "评价对象", "服务中心", "窗口", "事项", "评价等级")
    assert sorted(r[0] for r in rows[1:]) == sorted(rated["ids"]["home"])
    assert rows[1][-1] == "2026-11-23 08:00"
    assert {r[2] for r in rows[1:]} == {"东昌府区政务服务中心"}


def test_all_my_centres_never_includes_another_centre_and_a_forged_centre_is_not_found(console, rated, db_session):
    manager = console(rated["manager"])
    with time_machine.travel(MONDAY_8AM, tick=False):
        book = workbook(manager.post("/console/reports", form()))            # 我的全部中心
        forged = manager.post("/console/reports", form(centre_id=str(rated["away"].id)))
    cells = every_cell(book)
    assert "茌平区政务服务中心" not in cells
    assert not set(rated["ids"]["away"]) & {r[0] for r in detail_rows(book)[1:]}
    assert summary_value(book, "评价总数") == 7
    assert forged.status_code == 404
    assert db_session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "report.export")) == 1


def test_the_item_picker_filters_and_offers_only_items_of_my_centres(console, rated, db_session):
    elsewhere = ItemFactory(name="烟草专卖零售许可证")
    WindowFactory(centre_id=rated["away"].id, items=[elsewhere])
    db_session.commit()
    manager = console(rated["manager"])
    with time_machine.travel(MONDAY_8AM, tick=False):
        page = manager.get("/console/reports").get_data(as_text=True)
        book = workbook(manager.post("/console/reports", form(item_id=str(rated["item"].id))))
        refused = manager.post("/console/reports", form(item_id=str(elsewhere.id)))
    assert f'<option value="{rated["item"].id}">食品经营许可证（新办）</option>' in page
    assert "烟草专卖零售许可证" not in page
    assert summary_value(book, "事项") == "食品经营许可证（新办）" and summary_value(book, "评价总数") == 7
    assert refused.status_code == 422
    assert "请从列表中选择事项" in refused.get_data(as_text=True)


def test_no_full_name_id_number_or_phone_in_any_cell(console, world, db_session):
    """The case of 周敏 (ID number and phone on record) in the 办件 report: masked in every cell."""
    world["application"].created_at = MONDAY_8AM     # the database's now() stamped it; the test's clock is Monday
    db_session.commit()
    manager = console(world["home_staff"])
    with time_machine.travel(MONDAY_8AM + timedelta(hours=2), tick=False):
        book = workbook(manager.post("/console/reports", {"kind": "applications", "date_from": TODAY.isoformat(),
                                                          "date_to": TODAY.isoformat()}))
    cells = [str(cell) for cell in every_cell(book)]
    full = ("周敏", id_number(5), "13700001234")
    assert not [cell for cell in cells if any(secret in cell for secret in full)]
    row = next(r for r in detail_rows(book) if r[0] == world["application"].reference)
    assert row[4:7] == ("周*", mask_id_number(id_number(5)), "137****1234")
    assert row[7] == "容缺受理"


def test_a_bad_form_is_answered_at_its_fields_with_what_was_typed_kept(console, rated, db_session):
    manager = console(rated["manager"])
    with time_machine.travel(MONDAY_8AM, tick=False):
        missing = manager.post("/console/reports", {"date_from": "2026-11-20", "date_to": "2026-11-19",
                                                     "centre_id": str(rated["home"].id)})
        reversed_ = manager.post("/console/reports", form(date_from="2026-11-20", date_to="2026-11-19"))
        future = manager.post("/console/reports", form(date_to="2026-11-30"))
        garbled = manager.post("/console/reports", form(date_from="11/20"))
    assert missing.status_code == 422
    body = missing.get_data(as_text=True)
    assert '<p class="field-error" id="e-kind">请选择报表类型</p>' in body
    assert 'value="2026-11-20"' in body and 'value="2026-11-19"' in body
    assert f'<option value="{rated["home"].id}" selected>' in body
    assert reversed_.status_code == 422
    assert '<p class="field-error" id="e-date_to">结束日期不能早于开始日期</p>' in reversed_.get_data(as_text=True)
    assert '<option value="ratings" selected>' in reversed_.get_data(as_text=True)
    assert future.status_code == 422 and "结束日期不能晚于今天" in future.get_data(as_text=True)
    assert garbled.status_code == 422 and 'id="e-date_from">请填写日期' in garbled.get_data(as_text=True)
    assert 'value="11/20"' in garbled.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "report.export")) == 0
    assert db_session.scalar(select(func.count()).select_from(ReportExport)) == 0


def test_window_staff_and_feedback_handlers_have_no_reports(console, rated, db_session):
    clerk = console(make_staff(db_session, [rated["home"]], ("window_staff",)))
    db_session.commit()
    assert clerk.get("/console/reports").status_code == 404
    assert "/console/reports" not in clerk.get("/console/").get_data(as_text=True)


def test_the_survey_report_holds_the_results_pages_response_rate(console, db_session):
    """3 invitations sent at home, 2 answered → 回访率 2/3, as the 回访结果 page shows it; 2 elsewhere not counted."""
    surveys.ensure_defaults(db_session)
    home, away, item = CentreFactory(name="东昌府区政务服务中心"), CentreFactory(), ItemFactory()
    WindowFactory(centre_id=home.id, items=[item])
    people = [Citizen(openid=f"o-report-survey-{n}") for n in range(5)]
    db_session.add_all(people)
    db_session.flush()
    noon = MONDAY_8AM - timedelta(days=1, hours=-4)
    surveys.invite(db_session, [surveys.Subject(
        trigger="application.completed", subject_type="application", subject_id=n, citizen_id=person.id,
        centre_id=(home if n < 3 else away).id, item_id=item.id, key=f"report:{n}")
        for n, person in enumerate(people)], noon)
    surveys.send_due(db_session, noon + timedelta(hours=2))
    sent = db_session.scalars(select(SurveyInvitation).where(SurveyInvitation.centre_id == home.id)
                              .order_by(SurveyInvitation.id)).all()
    for invitation, person in zip(sent[:2], people, strict=False):
        token = db_session.scalar(select(Notification.page).where(
            Notification.dedupe_key == f"survey:{invitation.id}:invite")).split("token=")[1]
        surveys.submit(db_session, person.id, token, {"score": 5, "once": True}, noon + timedelta(hours=3))
    manager = make_staff(db_session, [home], ("supervisor",))
    db_session.commit()
    user = console(manager)
    page = user.get("/console/surveys?code=service").get_data(as_text=True)
    book = workbook(user.post("/console/reports", {"kind": "surveys", "date_from": SINCE.isoformat(),
                                                   "date_to": TODAY.isoformat()}))
    shown = re.search(r"<td>东昌府区政务服务中心</td><td>(\d+)</td><td>(\d+)</td>\s*<td>([\d.]+)%</td>", page)
    assert shown and shown.groups() == ("3", "2", "66.7")
    assert (summary_value(book, "已发出回访"), summary_value(book, "已答复回访")) == (3, 2)
    assert summary_value(book, "回访率") == round(2 / 3, 4)
    assert round(100 * summary_value(book, "回访率"), 1) == float(shown.group(3))
    assert len(detail_rows(book)) == 1 + 3


def test_every_report_opens_with_its_headers_and_only_my_centres_rows(console, world, db_session):
    """Each of the six reports of the casework world's home centre: its Chinese headers, its sheets, rows of home
    only."""
    world["application"].created_at = MONDAY_8AM
    world["feedback"].created_at = MONDAY_8AM
    db_session.commit()
    manager = console(world["home_staff"])
    for kind, name in report_messages.KIND_NAMES.items():
        book = workbook(manager.post("/console/reports", {"kind": kind, "date_from": SINCE.isoformat(),
                                                          "date_to": TODAY.isoformat()}))
        assert book.sheetnames == ["汇总", f"{name}明细"], kind
        rows = detail_rows(book)
        assert list(rows[0]) == report_messages.HEADERS[kind]
        assert summary_value(book, "明细条数") == len(rows) - 1
        centre_column = report_messages.HEADERS[kind].index("服务中心")
        assert {row[centre_column] for row in rows[1:]} <= {world["home"].name}
        expected = {"applications": 1, "feedback": 1, "ratings": 1, "rectifications": 1}.get(kind, 0)
        assert len(rows) - 1 == expected, kind


def test_the_detail_is_read_in_chunks_by_id_and_each_chunk_reports_progress(rated, db_session, cipher):
    filters = reports.Filters("ratings", (rated["home"].id,), SINCE, TODAY)
    seen: list[int] = []
    out = io.BytesIO()
    rows = reports.write_workbook(out, db_session, filters, made_by="督办人员", made_at=MONDAY_8AM, cipher=cipher,
                                  progress=seen.append, chunk=3)
    assert rows == 7 and seen == [3, 6, 7]
    ids = [row[0] for row in detail_rows(load_workbook(io.BytesIO(out.getvalue()), read_only=True))[1:]]
    assert ids == sorted(rated["ids"]["home"])
