"""查询记录: staff views of a citizen's own records, shown to that citizen (masked name, role, centre, Beijing
time), never a view of someone else's record."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from miniapp_api.applications import services as applications
from miniapp_api.mydata import access_log
from tests.factories import id_number, make_staff
from tests.mydata.conftest import LATER, OTHER_NAME, OWNER_NAME, OWNER_NUMBER, OWNER_PHONE


def case_for(app, db_session, staff, pair, person, name, number, phone):
    """A case taken in at the counter for the person's booking (which links it to their account)."""
    case = applications.intake(
        db_session, app.extensions["banshi.cipher"], staff, item_code=pair.hall.quick.code,
        centre_id=pair.hall.centre.id, applicant=applications.Applicant("person", name, id_number=number, phone=phone),
        now=LATER, appointment_id=person.booking)
    db_session.commit()
    return case


def log_of(client, headers, page=1) -> dict:
    response = client.get(f"/api/v1/me/access-log?page={page}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_staff_view_of_her_case_is_listed_and_a_view_of_anothers_is_not(app, client, db_session, pair,
                                                                          staff_login):
    with time_machine.travel(LATER, tick=False):
        assert log_of(client, pair.owner.headers) == {"accesses": [], "total": 0, "page": 1, "has_more": False}
        clerk = make_staff(db_session, [pair.hall.centre], ("window_staff",), name="王小明")
        manager = make_staff(db_session, [pair.hall.centre], ("centre_manager", "feedback_handler"), name="李静")
        hers = case_for(app, db_session, clerk, pair, pair.owner, OWNER_NAME, OWNER_NUMBER, OWNER_PHONE)
        his = case_for(app, db_session, clerk, pair, pair.other, OTHER_NAME, id_number(62), "13687654321")
        clerk_headers, manager_headers = staff_login(clerk), staff_login(manager)
    with time_machine.travel(LATER + timedelta(hours=2), tick=False):   # 10:05 in Beijing
        assert client.get(f"/api/staff/v1/applications/{hers.reference}", headers=clerk_headers).status_code == 200
        assert client.get(f"/api/staff/v1/applications/{his.reference}", headers=clerk_headers).status_code == 200
    with time_machine.travel(LATER + timedelta(hours=3), tick=False):
        seen = client.get(f"/api/staff/v1/feedback/{pair.owner.feedback}", headers=manager_headers)
        assert seen.status_code == 200, seen.get_json()
        assert client.get(f"/api/staff/v1/feedback/{pair.other.feedback}", headers=manager_headers).status_code == 200

        mine = log_of(client, pair.owner.headers)
        assert (mine["total"], mine["has_more"]) == (2, False)
        assert mine["accesses"] == [
            {"at": "2026-11-23T11:05:00+08:00", "what": "查看了您的诉求", "staff_name": "李*",
             "role": "诉求办理人员、中心负责人", "centre": pair.hall.centre.name},
            {"at": "2026-11-23T10:05:00+08:00", "what": "查看了您的办件", "staff_name": "王**",
             "role": "窗口工作人员", "centre": pair.hall.centre.name}]
        # His own list has his two, and neither of hers.
        theirs = log_of(client, pair.other.headers)
        assert [a["what"] for a in theirs["accesses"]] == ["查看了您的诉求", "查看了您的办件"]
        # The full names never reach the citizen.
        assert "王小明" not in str(mine) and "李静" not in str(mine)


def test_the_list_is_paged(app, client, db_session, pair, staff_login):
    with time_machine.travel(LATER, tick=False):
        clerk = make_staff(db_session, [pair.hall.centre], ("window_staff",), name="赵敏")
        hers = case_for(app, db_session, clerk, pair, pair.owner, OWNER_NAME, OWNER_NUMBER, OWNER_PHONE)
        headers = staff_login(clerk)
    for minute in range(access_log.PAGE_SIZE + 3):
        with time_machine.travel(LATER + timedelta(minutes=minute + 1), tick=False):
            assert client.get(f"/api/staff/v1/applications/{hers.reference}", headers=headers).status_code == 200
    first, second = log_of(client, pair.owner.headers), log_of(client, pair.owner.headers, page=2)
    assert (first["total"], first["has_more"], len(first["accesses"])) == (23, True, 20)
    assert (second["has_more"], len(second["accesses"])) == (False, 3)
    times = [a["at"] for a in first["accesses"] + second["accesses"]]
    assert times == sorted(times, reverse=True) and len(set(times)) == 23
    refused = client.get("/api/v1/me/access-log?page=0", headers=pair.owner.headers)
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"]
