"""帮办代办 end to end over HTTP: the citizen asks in the mini-program's API, a manager assigns a helper in the console,
the helper contacts and asks for a grant, the citizen confirms, the helper books for them, the citizen revokes and
the helper is stopped at once, the helper closes, the citizen reads the timeline and rates the helper."""

import time_machine
from sqlalchemy import select

from miniapp_api.notifications.models import Notification
from miniapp_api.platform.models import AuditLog
from miniapp_api.ratings.models import Rectification
from tests.factories import MONDAY_8AM, build_hall, id_number, make_staff


def test_request_assign_grant_book_revoke_close_rate(client, console, verified_login, db_session, wechat):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        manager = make_staff(db_session, [hall.centre], ("centre_manager",), name="钱主任")
        helper = make_staff(db_session, [hall.centre], ("window_staff",), name="赵帮办")
        db_session.commit()
        citizen = verified_login("周敏", id_number(401))

        # The citizen asks from the item's page; bad input keeps the envelope.
        bad = client.post("/api/v1/assistance", headers=citizen, json={"centre_id": hall.centre.id})
        assert bad.status_code == 422 and bad.get_json()["error"]["fields"]
        asked = client.post("/api/v1/assistance", headers=citizen, json={
            "centre_id": hall.centre.id, "item_code": hall.quick.code, "situation": "年纪大了不会在手机上预约"})
        assert asked.status_code == 201, asked.get_json()
        request_id = asked.get_json()["id"]
        assert (asked.get_json()["status_name"], asked.get_json()["contact_due_on"]) == ("已提交", "2026-11-24")

        # The centre's list shows it; the manager assigns the helper.
        boss, aide = console(manager), console(helper)
        listed = boss.get("/console/assistance").get_data(as_text=True)
        assert f"#{request_id}" in listed and "待分派" in listed
        assigned = boss.post(f"/console/assistance/{request_id}/assign", {"staff_id": str(helper.id)})
        assert assigned.status_code == 303, assigned.get_data(as_text=True)
        # A second take is refused on the page, nothing changed.
        late = boss.post(f"/console/assistance/{request_id}/take")
        assert late.status_code == 409 and "其他帮办员" in late.get_data(as_text=True)

        # The helper records the contact and asks to act for the citizen.
        assert aide.post(f"/console/assistance/{request_id}/contact", {"note": "已电话联系，约定代为预约"}
                         ).status_code == 303
        early = aide.post(f"/console/assistance/{request_id}/book", {"slot_id": "1", "item_code": hall.quick.code})
        assert early.status_code == 403
        asked_grant = aide.post(f"/console/assistance/{request_id}/grant",
                                {"purpose": "代您预约窗口办理", "valid_hours": "48", "scopes": "book"})
        assert asked_grant.status_code == 303, asked_grant.get_data(as_text=True)

        # The citizen sees the grant asked for and confirms it.
        shown = client.get(f"/api/v1/assistance/{request_id}", headers=citizen).get_json()
        assert shown["helper_name"] == "赵帮办" and shown["status_name"] == "办理中"
        grant = shown["grants"][0]
        assert (grant["state"], grant["scope_names"]) == ("pending", ["代为预约"])
        confirmed = client.post(f"/api/v1/assistance/{request_id}/grants/{grant['id']}/confirm", headers=citizen)
        assert confirmed.status_code == 200 and confirmed.get_json()["state"] == "active"

        # The helper's page now offers the item's free slots; the helper books one for the citizen.
        page = aide.get(f"/console/assistance/{request_id}?day=2026-11-25").get_data(as_text=True)
        slot = hall.slot(db_session, hall.general, "2026-11-25 09:00")
        assert f'value="{slot.id}"' in page and "代为预约" in page
        booked = aide.post(f"/console/assistance/{request_id}/book",
                           {"slot_id": str(slot.id), "item_code": hall.quick.code})
        assert booked.status_code == 303, booked.get_data(as_text=True)
        mine = client.get("/api/v1/appointments", headers=citizen).get_json()["appointments"]
        assert [(a["status"], a["starts_at"][:16]) for a in mine] == [("booked", "2026-11-25T09:00")]
        logged = db_session.scalars(select(AuditLog).where(AuditLog.action == "assistance.book_for")).one()
        assert logged.actor == f"staff:{helper.id}" and logged.detail["appointment_id"] == mine[0]["id"]

        # The citizen revokes: the helper's next act is refused at once, and nothing is booked.
        revoked = client.post(f"/api/v1/assistance/{request_id}/grants/{grant['id']}/revoke", headers=citizen)
        assert revoked.get_json()["state"] == "revoked"
        other = hall.slot(db_session, hall.general, "2026-11-25 10:00")
        stopped = aide.post(f"/console/assistance/{request_id}/book",
                            {"slot_id": str(other.id), "item_code": hall.quick.code})
        assert stopped.status_code == 403 and "授权已结束" in stopped.get_data(as_text=True)
        assert len(client.get("/api/v1/appointments", headers=citizen).get_json()["appointments"]) == 1

        # The helper closes it; the citizen reads the timeline and rates the helper (no level is chosen for them).
        closed = aide.post(f"/console/assistance/{request_id}/close", {"summary": "已代为预约，材料清单已发短信"})
        assert closed.status_code == 303, closed.get_data(as_text=True)
        done = client.get(f"/api/v1/assistance/{request_id}", headers=citizen).get_json()
        assert done["status_name"] == "已办结" and done["can_rate"] and not done["can_withdraw"]
        assert [e["title"] for e in done["timeline"]] == [
            "提交帮办请求", "已分派帮办员", "帮办员已联系您", "帮办员申请代办授权", "您已确认代办授权", "帮办员已为您预约",
            "您已撤销代办授权", "已办结"]
        rated = client.post("/api/v1/ratings", headers=citizen,
                            json={"target": "assistance", "id": request_id, "level": 1, "comment": "联系不及时"})
        assert rated.status_code == 201, rated.get_json()
        assert not client.get(f"/api/v1/assistance/{request_id}", headers=citizen).get_json()["can_rate"]
        rectification = db_session.scalars(select(Rectification)).one()
        assert rectification.staff_id == helper.id

        kinds = db_session.scalars(select(Notification.kind).where(Notification.subject_type == "assistance")
                                   .order_by(Notification.id)).all()
        assert kinds == ["assistance_assigned", "assistance_grant", "assistance_closed"]
