"""The console's audit log page (操作日志): who sees which rows, the search, paging, the CSV export, the chain box."""

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from miniapp_api.console.messages import AUDIT_ACTION_NAMES
from miniapp_api.platform import audit
from miniapp_api.platform.models import AuditLog
from miniapp_api.staff import audit_log
from miniapp_api.staff.models import Role
from tests.factories import MONDAY_8AM, citizen_with_identity, id_number, make_staff

NOW = MONDAY_8AM


def rows_shown(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", response.get_data(as_text=True))]


def seed(session, world, cipher):
    """A row about each centre, a login, and a row about a citizen, at known moments."""
    home, other = world["home"], world["other"]
    citizen = citizen_with_identity(session, cipher, 4411)
    made = {
        "home": audit.record(session, actor="staff:1", action="centre.hours_added", subject_type="centre",
                             subject_id=home.id, detail={"weekday": 1}, at=NOW - timedelta(days=2)),
        "paper": audit.record(session, actor="staff:1", action="relative_authorisation.paper",
                              subject_type="relative_authorisation", subject_id=7,
                              detail={"centre_id": home.id}, at=NOW - timedelta(days=1)),
        "other": audit.record(session, actor="staff:2", action="centre.hours_added", subject_type="centre",
                              subject_id=other.id, detail={"weekday": 2}, at=NOW - timedelta(days=1)),
        "citizen": audit.record(session, actor=f"citizen:{citizen.id}", action="account.deletion_requested",
                                subject_type="citizen", subject_id=citizen.id, detail={}, at=NOW),
        "formula": audit.record(session, actor="staff:1", action="policy.item_created", subject_type="policy_item",
                                subject_id="=cmd|' /C calc'!A0", at=NOW),
    }
    session.commit()
    return made


def test_an_admin_sees_every_row_and_a_manager_only_the_rows_about_their_centres(console, world, db_session, cipher):
    made = seed(db_session, world, cipher)
    admin = make_staff(db_session, [world["home"]], (Role.ADMIN,))
    home_manager = make_staff(db_session, [world["home"]], (Role.CENTRE_MANAGER,))
    other_manager = make_staff(db_session, [world["other"]], (Role.CENTRE_MANAGER,))
    db_session.commit()

    everything = set(rows_shown(console(admin).get("/console/audit")))
    assert {r.id for r in made.values()} <= everything
    assert set(rows_shown(console(home_manager).get("/console/audit"))) == {made["home"].id, made["paper"].id}
    # The manager of the other centre: its own row, none of centre A's, and nothing without a centre.
    theirs = console(other_manager)
    assert set(rows_shown(theirs.get("/console/audit"))) == {made["other"].id}
    export = theirs.post("/console/audit.csv", {})
    assert export.status_code == 200 and export.mimetype == "text/csv"
    lines = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("序号,时间（北京时间）,操作人") and [line.split(",")[0] for line in lines[1:]] == [
        str(made["other"].id)]


def test_search_by_staff_action_subject_citizen_and_period(console, world, db_session, cipher):
    made = seed(db_session, world, cipher)
    admin = make_staff(db_session, [world["home"]], (Role.ADMIN,), username="audit-admin")
    db_session.commit()
    user = console(admin)

    def found(**form) -> set[int]:
        return set(rows_shown(user.post("/console/audit", form))) - {r.id for r in _logins(db_session)}

    assert found(action="centre.hours_added") == {made["home"].id, made["other"].id}
    assert found(action="centre.") == {made["home"].id, made["other"].id}
    assert found(subject_type="centre", subject_id=str(world["other"].id)) == {made["other"].id}
    assert found(id_number=id_number(4411)) == {made["citizen"].id}
    day = (NOW - timedelta(days=1)).date().isoformat()
    assert found(day_from=day, day_to=day) == {made["paper"].id, made["other"].id}
    # By staff member: the admin's own sign-in and the search by ID number, which is itself logged.
    mine = set(rows_shown(user.post("/console/audit", {"staff": "audit-admin"})))
    actions = set(db_session.scalars(select(AuditLog.action).where(AuditLog.id.in_(mine))))
    assert actions == {"login", "audit_log.search_person"}


def _logins(session):
    return session.scalars(select(AuditLog).where(AuditLog.action.in_(["login", "audit_log.search_person"])))


def test_a_bad_search_keeps_what_was_typed_and_says_what_is_wrong(console, world, db_session):
    admin = make_staff(db_session, [world["home"]], (Role.ADMIN,))
    db_session.commit()
    response = console(admin).post("/console/audit", {"id_number": "12345", "action": "login", "staff": "nobody",
                                                      "day_from": "2026-11-20", "day_to": "2026-11-10"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请输入18位身份证号" in page and 'value="12345"' in page and 'value="login"' in page
    response = console(admin).post("/console/audit", {"staff": "nobody", "day_from": "2026-11-20",
                                                      "day_to": "2026-11-10"})
    assert "开始日期不能晚于结束日期" in response.get_data(as_text=True)
    response = console(admin).post("/console/audit", {"staff": "nobody"})
    assert "没有这个工作人员账号" in response.get_data(as_text=True) and 'value="nobody"' in response.get_data(
        as_text=True)


def test_pages_of_fifty_newest_first(console, world, db_session):
    admin = make_staff(db_session, [world["home"]], (Role.ADMIN,))
    made = [audit.record(db_session, actor="staff:1", action="test.page", subject_type="x", subject_id=n, at=NOW)
            for n in range(audit_log.PAGE_SIZE + 5)]
    db_session.commit()
    user = console(admin)
    first = rows_shown(user.post("/console/audit", {"action": "test.page"}))
    second = rows_shown(user.post("/console/audit", {"action": "test.page", "page": "2"}))
    assert first == [r.id for r in reversed(made)][:audit_log.PAGE_SIZE]
    assert second == [r.id for r in reversed(made)][audit_log.PAGE_SIZE:]
    assert "下一页" in user.post("/console/audit", {"action": "test.page"}).get_data(as_text=True)


def test_the_export_quotes_cells_a_spreadsheet_would_run(console, world, db_session, cipher):
    seed(db_session, world, cipher)
    admin = make_staff(db_session, [world["home"]], (Role.ADMIN,))
    db_session.commit()
    body = console(admin).post("/console/audit.csv", {"action": "policy.item_created"}).get_data(as_text=True)
    assert "'=cmd|" in body and ",=cmd" not in body


def test_the_chain_box_shows_the_last_check(console, world, db_session, app):
    admin = make_staff(db_session, [world["home"]], (Role.ADMIN,))
    db_session.commit()
    user = console(admin)
    assert "还没有核验过" in user.get("/console/audit").get_data(as_text=True)
    ring = app.extensions["banshi.keyring"]
    audit.save_check(db_session, audit.verify(db_session, ring, NOW), NOW)
    db_session.commit()
    assert "完整，未发现改动" in user.get("/console/audit").get_data(as_text=True)
    broken = audit.Report(rows=3, breaks=[audit.Break("edited", 42)])
    audit.save_check(db_session, broken, NOW + timedelta(hours=1))
    db_session.commit()
    page = user.get("/console/audit").get_data(as_text=True)
    assert "发现问题" in page and "第 42 条记录被改动" in page


def test_other_roles_do_not_find_the_page(console, world, db_session):
    clerk = make_staff(db_session, [world["home"]], (Role.WINDOW_STAFF, Role.SUPERVISOR))
    db_session.commit()
    user = console(clerk)
    assert user.get("/console/audit").status_code == 404
    assert user.post("/console/audit.csv", {}).status_code == 404


def test_every_action_the_code_records_has_a_name_in_words():
    root = Path(__file__).resolve().parents[2] / "miniapp_api"
    recorded = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'action="([a-z_.]+)"', text))
        recorded |= set(re.findall(r'audit\([^,()]+, [^,()]+, "([a-z_.]+)"', text))
    assert recorded and recorded - set(AUDIT_ACTION_NAMES) == set()
