"""Licences: CSV import (all rows or none), the citizen's list, expiry reminders at 90/30/7 days exactly once."""

from datetime import date, datetime

import pytest
import time_machine

from miniapp_api.licences import services
from miniapp_api.licences.models import Licence
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.errors import DomainError
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import (
    CentreFactory,
    ItemFactory,
    WindowFactory,
    citizen_with_identity,
    credit_code,
    id_number,
    make_staff,
)

HEADER = "证照类型,证照编号,持证类型,持证人,统一社会信用代码,联系人身份证号,发证日期,到期日期,延续事项编码"


def nine_am(day: str) -> datetime:
    return datetime.fromisoformat(f"{day} 09:00").replace(tzinfo=SHANGHAI)


@pytest.fixture
def district(db_session):
    centre = CentreFactory(latitude=36.45, longitude=115.98)
    nearby = CentreFactory(level="community", parent_id=centre.id, latitude=36.45, longitude=115.99)
    renewal = ItemFactory(code="FOOD-RENEW", name="食品经营许可证（延续）测试")
    WindowFactory(centre_id=nearby.id, items=[renewal])
    db_session.flush()
    return centre, nearby, renewal


def csv_text(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


def food_licence(number: str, expires: str, contact: int = 1) -> str:
    return f"食品经营许可证,{number},企业,聊城某某餐饮店,{credit_code(5)},{id_number(contact)},2021-12-01,{expires},FOOD-RENEW"


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(client, db_session, district, staff_login):
    centre, _, _ = district
    manager = make_staff(db_session, [centre], ("centre_manager",))
    db_session.commit()
    text = csv_text(food_licence("JY13715000000001", "2027-02-20"),
                    "食品经营许可证,JY13715000000002,企业,某店,91371500MA00000000,,2021-12-01,2026-13-01,",
                    food_licence("JY13715000000001", "2027-02-20"),
                    "特种设备作业人员证,T-1,个人,赵强,,371502198001011230,2022-01-01,2026-01-01,NOPE")
    response = client.post("/api/staff/v1/licences/import", headers=staff_login(manager),
                           json={"centre_id": centre.id, "csv": text})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "csv_invalid"
    assert error["fields"] == {"line 3": "到期日期格式应为YYYY-MM-DD", "line 4": "与第2行的证照重复",
                               "line 5": "联系人身份证号不正确"}
    assert db_session.query(Licence).count() == 0


def test_import_then_renewal_by_reimport_updates_in_place(db_session, district, cipher):
    centre, _, _ = district
    report = services.import_csv(db_session, cipher, csv_text(food_licence("JY1", "2027-02-20")),
                                 issuing_centre_id=centre.id, now=MONDAY_8AM)
    assert (report.created, report.updated) == (1, 0)
    licence = db_session.query(Licence).one()
    assert licence.next_reminder_on == date(2026, 11, 22)
    report = services.import_csv(db_session, cipher, csv_text(food_licence("JY1", "2032-02-20")),
                                 issuing_centre_id=centre.id, now=MONDAY_8AM)
    assert (report.created, report.updated) == (0, 1)
    assert licence.expires_on == date(2032, 2, 20) and licence.next_reminder_on == date(2031, 11, 22)


def reminders(session):
    return session.query(Notification).filter_by(kind="licence_expiry").order_by(Notification.id).all()


def test_the_sweep_run_twice_a_day_sends_each_reminder_once_and_walks_the_stages(db_session, district, cipher):
    centre, nearby, renewal = district
    holder = citizen_with_identity(db_session, cipher, 1, name="刘洋")
    services.import_csv(db_session, cipher, csv_text(food_licence("JY1", "2027-02-20")),
                        issuing_centre_id=centre.id, now=MONDAY_8AM)
    for day, expected in (("2026-11-22", 1), ("2026-11-22", 1), ("2026-12-30", 1), ("2027-01-21", 2),
                          ("2027-01-21", 2), ("2027-02-13", 3), ("2027-02-14", 3), ("2027-02-21", 3)):
        services.sweep_expiry_reminders(db_session, nine_am(day))
        assert len(reminders(db_session)) == expected, day
    sent = reminders(db_session)
    assert all(n.citizen_id == holder.id for n in sent)
    assert ["还有90天" in sent[0].body, "还有30天" in sent[1].body, "还有7天" in sent[2].body] == [True] * 3
    assert f"就近到{nearby.name}办理" in sent[0].body
    assert sent[0].page == f"pages/items/detail?code={renewal.code}&centre={nearby.id}"
    assert db_session.query(Licence).one().next_reminder_on is None


def test_a_licence_imported_late_gets_only_the_most_urgent_reminder(db_session, district, cipher):
    centre, _, _ = district
    citizen_with_identity(db_session, cipher, 1)
    services.import_csv(db_session, cipher, csv_text(food_licence("JY2", "2026-12-10")),
                        issuing_centre_id=centre.id, now=MONDAY_8AM)
    services.sweep_expiry_reminders(db_session, nine_am("2026-11-23"))
    assert ["还有17天" in n.body for n in reminders(db_session)] == [True]
    services.sweep_expiry_reminders(db_session, nine_am("2026-12-03"))
    assert len(reminders(db_session)) == 2


def test_a_renewed_licence_stops_its_reminders(client, db_session, district, cipher, staff_login):
    centre, _, _ = district
    citizen_with_identity(db_session, cipher, 1)
    manager = make_staff(db_session, [centre], ("centre_manager",))
    services.import_csv(db_session, cipher, csv_text(food_licence("JY3", "2027-02-20")),
                        issuing_centre_id=centre.id, now=MONDAY_8AM)
    services.sweep_expiry_reminders(db_session, nine_am("2026-11-22"))
    licence = db_session.query(Licence).one()
    db_session.commit()
    response = client.post(f"/api/staff/v1/licences/{licence.id}/renew", headers=staff_login(manager),
                           json={"expires_on": "2032-02-20"})
    assert response.status_code == 200 and response.get_json()["status"] == "valid"
    db_session.expire_all()
    for day in ("2027-01-21", "2027-02-13"):
        services.sweep_expiry_reminders(db_session, nine_am(day))
    assert len(reminders(db_session)) == 1


def test_the_citizen_sees_their_licences_with_a_renewal_link(client, db_session, district, cipher, verified_login):
    centre, _, renewal = district
    services.import_csv(db_session, cipher, csv_text(food_licence("JY4", "2027-01-10", contact=8),
                                                     food_licence("JY5", "2030-01-10", contact=9)),
                        issuing_centre_id=centre.id, now=MONDAY_8AM)
    db_session.commit()
    with time_machine.travel(MONDAY_8AM, tick=False):
        citizen = verified_login("刘洋", id_number(8), openid="o-licence-holder")
        licences = client.get("/api/v1/licences", headers=citizen).get_json()["licences"]
    assert [(lic["number"], lic["status"], lic["days_left"]) for lic in licences] == [("JY4", "expiring", 48)]
    assert licences[0]["renewal"]["item_code"] == renewal.code


def test_staff_cannot_import_into_or_renew_for_another_centre(client, db_session, district, cipher, staff_login):
    centre, _, _ = district
    services.import_csv(db_session, cipher, csv_text(food_licence("JY6", "2027-01-10")),
                        issuing_centre_id=centre.id, now=MONDAY_8AM)
    other = CentreFactory()
    outsider = make_staff(db_session, [other], ("centre_manager",))
    licence = db_session.query(Licence).one()
    db_session.commit()
    headers = staff_login(outsider)
    assert client.post(f"/api/staff/v1/licences/{licence.id}/renew", headers=headers,
                       json={"expires_on": "2032-01-10"}).status_code == 404
    assert client.post("/api/staff/v1/licences/import", headers=headers,
                       json={"centre_id": centre.id, "csv": csv_text(food_licence("JY7", "2027-01-10"))}
                       ).status_code == 404
    stolen = client.post("/api/staff/v1/licences/import", headers=headers,
                         json={"centre_id": other.id, "csv": csv_text(food_licence("JY6", "2040-01-10"))})
    assert stolen.status_code == 422 and "line 2" in stolen.get_json()["error"]["fields"]


def test_a_broken_csv_file_is_refused_clearly(db_session, district, cipher):
    centre, _, _ = district
    with pytest.raises(DomainError) as refused:
        services.import_csv(db_session, cipher, csv_text('"' + "长" * 140_000 + '",x'), issuing_centre_id=centre.id,
                            now=MONDAY_8AM)   # a field beyond the csv module's limit: csv.Error inside
    assert refused.value.code == "csv_invalid" and refused.value.fields == {"csv": refused.value.message}
    assert db_session.query(Licence).count() == 0


def test_an_earlier_expiry_in_a_reimport_moves_the_reminders_forward(db_session, district, cipher):
    centre, _, _ = district
    citizen_with_identity(db_session, cipher, 1)
    services.import_csv(db_session, cipher, csv_text(food_licence("JY8", "2027-06-30")),
                        issuing_centre_id=centre.id, now=MONDAY_8AM)
    services.import_csv(db_session, cipher, csv_text(food_licence("JY8", "2026-12-20")),
                        issuing_centre_id=centre.id, now=MONDAY_8AM)   # the first file had a typo
    licence = db_session.query(Licence).one()
    assert licence.expires_on == date(2026, 12, 20) and licence.next_reminder_on == date(2026, 9, 21)
    services.sweep_expiry_reminders(db_session, nine_am("2026-11-23"))
    assert ["还有27天" in n.body for n in reminders(db_session)] == [True]
