"""Hall staff record a signed paper authorisation (亲友代办) for a relative without a phone; audit-logged."""

import time_machine
from sqlalchemy import select

from miniapp_api.appointments.models import Appointment
from miniapp_api.identity.models import FaceVerification
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.models import AuditLog
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, citizen_with_identity, id_number, make_staff
from tests.identity.test_relatives import ask


def test_staff_record_a_paper_authorisation_for_a_relative_without_a_phone(client, db_session, verified_login,
                                                                           console):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        clerk = make_staff(db_session, [hall.centre], ("window_staff",))
        db_session.commit()
        son = verified_login("王建军", id_number(451))
        request = ask(client, son, scopes=("book", "view"), number=id_number(450))
        staff = console(clerk)
        looked_up = staff.get(f"/console/relatives?code={request['invite_code']}")
        assert looked_up.status_code == 200 and "王秀英" in looked_up.get_data(as_text=True)
        recorded = staff.post("/console/relatives", {"code": request["invite_code"], "centre_id": str(hall.centre.id),
                                                     "paper_ref": "SCAN-2026-11-0042"})
        assert recorded.status_code == 303
        [mine] = client.get("/api/v1/relatives", headers=son).get_json()["acting_for"]
        assert mine["state"] == "active" and mine["confirmed_via"] == "paper"
        # The son books for the grandmother, who has no phone at all.
        slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
        assert client.post("/api/v1/appointments", headers=son, json={
            "slot_id": slot.id, "item_codes": [hall.quick.code], "for_relative": request["id"]}).status_code == 201
        # Recording twice is refused: the code was used.
        assert staff.post("/console/relatives", {"code": request["invite_code"], "centre_id": str(hall.centre.id),
                                                 "paper_ref": "SCAN-2"}).status_code == 404
    [audit] = db_session.scalars(select(AuditLog).where(AuditLog.action == "relative_authorisation.paper")).all()
    assert audit.actor == f"staff:{clerk.id}" and audit.detail["paper_ref"] == "SCAN-2026-11-0042"
    assert audit.detail["centre_id"] == hall.centre.id


def test_velocity_alerts_show_bursts_of_verifications_and_bookings(db_session, cipher, console):
    hall = build_hall(db_session, MONDAY_8AM)
    admin = make_staff(db_session, [hall.centre], ("admin",))
    manager = make_staff(db_session, [hall.centre], ("centre_manager",))
    prober, other = citizen_with_identity(db_session, cipher, 461), citizen_with_identity(db_session, cipher, 462)
    target = cipher.lookup_hash(id_number(460), context="citizen.id_number")
    for n, citizen in enumerate([prober, prober, prober, other]):
        db_session.add(FaceVerification(citizen_id=citizen.id, out_seq_no=f"bs-alert-{n}", verify_id_enc="x",
                                        real_name_enc="x", id_number_enc="x", id_number_hash=target,
                                        status="failed", created_at=utcnow(), expires_at=utcnow()))
    for day in ("2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-30"):
        db_session.add(Appointment(citizen_id=other.id, person_hash=f"p{day}", accountable_hash=f"p{day}",
                                   person_name="钱芳", centre_id=hall.centre.id, window_id=hall.general.id,
                                   service_date=MONDAY_8AM.date(), starts_at=MONDAY_8AM, ends_at=MONDAY_8AM,
                                   status="cancelled", created_at=utcnow(), updated_at=utcnow()))
    for n in (463, 464, 465):   # one person booked from three accounts
        booker = citizen_with_identity(db_session, cipher, n)
        db_session.add(Appointment(citizen_id=booker.id, person_hash="h-shared" + "0" * 56,
                                   accountable_hash=booker.verified_id_hash, person_name="孙丽",
                                   centre_id=hall.centre.id, window_id=hall.general.id, service_date=MONDAY_8AM.date(),
                                   starts_at=MONDAY_8AM, ends_at=MONDAY_8AM, status="booked", created_at=utcnow()))
    db_session.commit()
    page = console(admin).get("/console/alerts").get_data(as_text=True)
    assert "同一账号 1 小时内发起 3 次实名核验" in page and f"<td>{prober.id}</td>" in page
    assert "同一身份证号 1 小时内在 2 个账号发起核验" in page and f"#{target[:8]}" in page
    assert "同一账号 1 小时内预约 5 次" in page and "同一账号 1 小时内取消 5 次" in page
    assert "同一人 1 小时内被 3 个账号预约" in page and "#h-shared" in page
    # A centre manager sees the bookings at their centre, not the verifications (not tied to a centre).
    managed = console(manager).get("/console/alerts").get_data(as_text=True)
    assert "预约 5 次" in managed and "实名核验" not in managed
    assert id_number(460) not in page
