"""My window, my day (issue 36): 今日预约 on the 预约 page, the window's queue as JSON for the page's polling,
the home page's windows grouped by centre, and pickers instead of typed codes."""

import io
import re
from datetime import timedelta

import time_machine

from miniapp_api.applications import services as applications
from miniapp_api.appointments import closures, services
from miniapp_api.appointments.queue import issue_ticket
from tests.factories import (
    MONDAY_8AM,
    CentreFactory,
    ItemFactory,
    WindowFactory,
    build_hall,
    citizen_with_identity,
    id_number,
    make_staff,
    reloaded,
)

TUESDAY = "2026-11-24"


def _book(session, cipher, hall, n: int, name: str, window, at: str, items):
    person = citizen_with_identity(session, cipher, n, name=name)
    return services.book_appointment(session, citizen_id=person.id, person=services.person_for_self(person, cipher),
                                     slot_id=hall.slot(session, window, f"{TUESDAY} {at}").id,
                                     item_codes=[i.code for i in items], now=MONDAY_8AM)


def _rows(page: str) -> list[list[str]]:
    table = page.split('<table id="bookings">')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]
    return [[cell.split("</td>")[0] for cell in row.split("<td>")[1:]] for row in body.split("<tr")[1:]]


def test_the_day_lists_bookings_by_time_masked_with_items_arrival_and_case(console, db_session, cipher):
    with time_machine.travel(MONDAY_8AM, tick=False):
        hall = build_hall(db_session, MONDAY_8AM)
        clerk = make_staff(db_session, [hall.centre], ("window_staff",))
        _book(db_session, cipher, hall, 9101, "张三丰", hall.general, "10:00", [hall.quick])
        early = _book(db_session, cipher, hall, 9102, "李四", hall.general, "09:00", [hall.quick, hall.slow])
        express = _book(db_session, cipher, hall, 9103, "欧阳娜娜", hall.express, "09:30", [hall.quick])
        cancelled = _book(db_session, cipher, hall, 9104, "王五", hall.express, "11:00", [hall.quick])
        services.cancel_appointment(db_session, citizen_id=cancelled.citizen_id, appointment_id=cancelled.id,
                                    now=MONDAY_8AM)
        early.status = "serving"            # arrived, called and being served (the counter's states)
        express.status = "checked_in"
        case = applications.intake(
            db_session, cipher, clerk, item_code=hall.quick.code, centre_id=hall.centre.id,
            applicant=applications.Applicant("person", "李四", id_number=id_number(9102)), now=MONDAY_8AM)
        case.appointment_id = early.id
        outsider = make_staff(db_session, [build_hall(db_session, MONDAY_8AM).centre], ("window_staff",))
        db_session.commit()

        user = console(clerk)
        page = user.get(f"/console/appointments?centre_id={hall.centre.id}&day={TUESDAY}").get_data(as_text=True)
        rows = _rows(page)
        assert [r[0] for r in rows] == ["09:00–10:00", "09:30–09:50", "10:00–10:15", "11:00–11:20"]
        assert [r[1] for r in rows] == ["李*", "欧***", "张**", "王*"]
        assert [r[4] for r in rows] == ["办理中", "已签到", "未到", "已取消"]
        assert sorted(rows[0][2].split("、")) == sorted([hall.quick.name, hall.slow.name])
        assert hall.quick.code not in page and hall.slow.code not in page     # names, never codes
        assert f'/console/applications/{case.reference}">{case.reference}</a>' in rows[0][5]
        assert rows[2][5] == "—"
        assert "李四" not in page and "欧阳娜娜" not in page and "张三丰" not in page
        assert "11月24日预约（4 个）" in page

        # Another centre's clerk: the same 404 as a page that does not exist.
        theirs = console(outsider).get(f"/console/appointments?centre_id={hall.centre.id}&day={TUESDAY}")
        assert theirs.status_code == 404 and "张**" not in theirs.get_data(as_text=True)


def test_the_page_opens_on_the_next_open_day_and_a_closed_day_says_so(console, db_session, cipher):
    with time_machine.travel(MONDAY_8AM, tick=False):
        hall = build_hall(db_session, MONDAY_8AM)
        clerk = make_staff(db_session, [hall.centre], ("window_staff",))
        closures.close(db_session, centre=hall.centre, day=MONDAY_8AM.date(), reason="停电检修", actor="staff:0",
                       now=MONDAY_8AM)
        db_session.commit()
        user = console(clerk)
        opened = user.get(f"/console/appointments?centre_id={hall.centre.id}").get_data(as_text=True)
        assert f'name="day" type="date" value="{TUESDAY}"' in opened      # Monday is closed: Tuesday
        assert "这一天暂停服务" not in opened
        monday = user.get(f"/console/appointments?centre_id={hall.centre.id}&day=2026-11-23").get_data(as_text=True)
        assert "11月23日：这一天暂停服务：停电检修" in monday
        saturday = user.get(f"/console/appointments?centre_id={hall.centre.id}&day=2026-11-28")
        assert "这一天中心不开放" in saturday.get_data(as_text=True)
    # On Saturday morning the weekend and the closed Monday are skipped.
    with time_machine.travel(MONDAY_8AM - timedelta(days=2), tick=False):
        sunday = console(clerk).get(f"/console/appointments?centre_id={hall.centre.id}").get_data(as_text=True)
        assert 'name="day" type="date" value="2026-11-23"' not in sunday   # closed: no longer the next open day
        assert f'value="{TUESDAY}"' in sunday


def test_the_window_queue_answers_json_that_changes_when_someone_checks_in(console, world, db_session):
    clerk = make_staff(db_session, [world["home"]], ("window_staff",))
    outsider = make_staff(db_session, [world["other"]], ("window_staff",))
    db_session.commit()
    url = f"/console/windows/{world['window'].id}/queue"
    with time_machine.travel(MONDAY_8AM + timedelta(minutes=5), tick=False):
        user = console(clerk)
        page = user.get(f"/console/windows/{world['window'].id}").get_data(as_text=True)
        before = user.get(url).get_json()
        assert before["waiting"] == 1 and before["current"] == [] and world["ticket"].number in before["html"]
        assert f'data-refresh-version="{before["version"]}"' in page       # the page starts from the same version
        assert user.get(url).get_json()["version"] == before["version"]      # nothing changed: nothing to swap
        walk_in = issue_ticket(db_session, window=reloaded(db_session, world["window"]), item_id=world["item"].id,
                               now=MONDAY_8AM + timedelta(minutes=5))
        db_session.commit()
        after = user.get(url).get_json()
        assert after["version"] != before["version"] and after["waiting"] == 2 and walk_in.number in after["html"]
        assert after["summary"] == "队列已更新：等候 2 人，当前：没有人在办理"
        assert user.post(f"/console/windows/{world['window'].id}/call-next").status_code == 303
        called = user.get(url).get_json()
        assert called["current"] == [world["ticket"].number] and called["waiting"] == 1
        assert console(outsider).get(url).status_code == 404


def _home_groups(page: str) -> dict[str, list[str]]:
    """Centre → window names in the home page's 我的窗口, whether shown as headings or collapsible groups."""
    section = page.split('<section id="my-windows"')[1].split("</section>")[0]
    groups: dict[str, list[str]] = {}
    for part in re.split(r"<h3>|<summary>", section)[1:]:
        title = re.split(r"</h3>|（\d+ 个窗口）</summary>", part)[0]
        groups[title] = re.findall(r'/console/windows/\d+">([^<]+)</a>', part)
    return groups


def test_home_groups_windows_by_centre_a_clerk_sees_only_their_own(console, db_session):
    district = CentreFactory(name="开发区政务服务中心")
    street = CentreFactory(name="广平街道便民服务中心", level="street", parent_id=district.id)
    elsewhere = CentreFactory(name="东昌府区政务服务中心")
    for centre, names in ((district, ("综合受理窗口", "高频快办窗口")), (street, ("社保窗口",)),
                          (elsewhere, ("不动产窗口",))):
        for name in names:
            WindowFactory(centre_id=centre.id, name=name)
    clerk = make_staff(db_session, [district], ("window_staff",))
    manager = make_staff(db_session, [district], ("centre_manager",))
    admin = make_staff(db_session, [street], ("admin",))
    db_session.commit()

    mine = console(clerk).get("/console/").get_data(as_text=True)
    assert _home_groups(mine) == {"开发区政务服务中心": ["综合受理窗口", "高频快办窗口"]}
    assert "<details" not in mine and 'target="_blank" rel="noopener"' in mine
    managed = _home_groups(console(manager).get("/console/").get_data(as_text=True))
    assert managed == {"开发区政务服务中心": ["综合受理窗口", "高频快办窗口"], "广平街道便民服务中心": ["社保窗口"]}

    everything = console(admin).get("/console/").get_data(as_text=True)
    groups = _home_groups(everything)
    assert list(groups)[0] == "广平街道便民服务中心"            # the admin's own centre first, and open
    assert groups["东昌府区政务服务中心"] == ["不动产窗口"] and len(groups) >= 3
    assert everything.count('<details class="centre-group"') == len(groups)
    assert everything.count('<details class="centre-group" open>') == 1


def _datalist(page: str) -> list[str]:
    return re.findall(r'<option value="([^"]+)" label="', page.split('<datalist id="item-choices">')[1]
                      .split("</datalist>")[0])


def test_intake_picks_the_item_from_a_list_and_a_forged_code_is_refused_at_the_field(console, world, db_session):
    elsewhere = ItemFactory(name="外中心专办事项")
    WindowFactory(centre_id=world["other"].id, items=[elsewhere])
    clerk = make_staff(db_session, [world["home"]], ("window_staff",))
    db_session.commit()
    user = console(clerk)
    form = user.get("/console/applications/new").get_data(as_text=True)
    assert _datalist(form) == [world["item"].code]            # the items the clerk's centres handle, not others'
    assert f'label="{world["item"].name}（{world["item"].code}）"' in form
    assert "BL-001" not in form and f"编码 {world['item'].code}" in form

    typed = {"centre_id": str(world["home"].id), "applicant_type": "person", "applicant_name": "刘洋",
             "applicant_id_number": id_number(78), "applicant_phone": "13900007778"}
    for forged, message in (("SD9999", "没有找到"), (elsewhere.code, "本中心不办理该事项")):
        refused = user.post("/console/applications/new", typed | {"item_code": forged})
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422
        error = page.split('id="e-item_code">')[1].split("</p>")[0]
        assert message in error
        assert f'value="{forged}"' in page and 'value="刘洋"' in page and 'value="13900007778"' in page
    bad_id = user.post("/console/applications/new", typed | {"item_code": world["item"].code,
                                                               "applicant_id_number": "123"})
    assert bad_id.status_code == 422 and 'id="e-applicant_id_number"' in bad_id.get_data(as_text=True)
    assert 'value="刘洋"' in bad_id.get_data(as_text=True)
    taken = user.post("/console/applications/new", typed | {"item_code": world["item"].code})
    assert taken.status_code == 303


def test_batch_form_picks_the_item_from_a_list_and_a_forged_code_is_refused_at_the_field(console, world,
                                                                                          db_session):
    clerk = make_staff(db_session, [world["home"]], ("window_staff",))
    db_session.commit()
    user = console(clerk)
    assert _datalist(user.get("/console/batches/new").get_data(as_text=True)) == [world["item"].code]
    members = f"姓名,身份证号,手机号\n周敏,{id_number(79)},\n".encode()
    refused = user.client.post("/console/batches/new", data={
        "csrf_token": user.csrf(), "centre_id": str(world["home"].id), "item_code": "SD9999", "title": "2026年复审",
        "business_name": "某物流公司", "member_kind": "person", "members": (io.BytesIO(members), "名单.csv")},
        content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "没有找到" in page.split('id="e-item_code">')[1].split("</p>")[0]
    assert 'value="2026年复审"' in page and 'value="SD9999"' in page
