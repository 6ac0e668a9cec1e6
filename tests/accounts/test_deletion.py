"""注销 end to end: the request over HTTP, the erasure sweep, and a scan of every table afterwards."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select, text

from miniapp_api.accounts import services as accounts
from miniapp_api.applications import services as applications
from miniapp_api.appointments.models import Appointment, Slot, WaitlistEntry
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, PHONE_CONTEXT
from miniapp_api.platform import audit
from miniapp_api.platform.models import AuditLog
from miniapp_api.policies.models import PolicyGrant, PolicySubscription
from miniapp_api.ratings.models import Rating
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, citizen_with_identity, id_number, make_staff, policy_world
from tests.test_app import assert_envelope

NAME, PHONE, OPENID = "欧阳明远", "13912340987", "o-leaving-for-good"
NUMBER = id_number(8801)
GRACE = timedelta(minutes=60)
# What the administration keeps under the archives rules (its case files and registers) and a suspension still
# running: the only places the person's identifiers may remain, by design (accounts/services.py).
KEPT_BY_LAW = {("application", "applicant_name"), ("application", "id_number_hash"), ("bundle_case", "applicant_name"),
               ("licence", "holder_name"),
               ("licence", "contact_id_hash"), ("booking_suspension", "person_hash")}


def occurrences(session, needles: list[str]) -> set[tuple[str, str, str]]:
    """(table, column, needle) for every text, varchar, array and JSON column of every table holding a needle."""
    found = set()
    columns = session.execute(text("""
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')
        AND table_name <> 'alembic_version'""")).all()
    assert len(columns) > 100                       # every table of every domain, not a chosen few
    for table, column in columns:
        for needle in needles:
            hit = session.execute(text(f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE :needle LIMIT 1'),
                                  {"needle": f"%{needle}%"}).first()
            if hit:
                found.add((table, column, needle))
    return found


@pytest.fixture
def leaving(app, client, db_session, wechat, verified_login):
    """A citizen with a bit of everything: an upcoming booking, a waitlist entry, a phone, feedback naming
    them, a rated visit with their name in the comment, a relative, consents, messages, a case file."""
    session, cipher = db_session, app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(session, MONDAY_8AM, counters=1)
        session.commit()
        headers = verified_login(NAME, NUMBER, openid=OPENID)
        assert client.patch("/api/v1/me", headers=headers, json={"phone": PHONE}).status_code == 200
        slot = hall.slot(session, hall.general, "2026-11-24 09:00")
        booked = client.post("/api/v1/appointments", headers=headers,
                             json={"slot_id": slot.id, "item_codes": [hall.quick.code]}).get_json()
        session.execute(text("UPDATE slot SET booked = capacity WHERE centre_id = :c AND id <> :s"),
                        {"c": hall.centre.id, "s": slot.id})
        session.commit()
        joined = client.post("/api/v1/waitlist", headers=headers, json={
            "centre_id": hall.centre.id, "item_code": hall.quick.code, "date_from": "2026-11-25",
            "date_to": "2026-11-25"})
        assert joined.status_code == 201, joined.get_json()
        filed = client.post("/api/v1/feedback", headers=headers, json={
            "kind": "suggestion", "text": f"建议周末开放，我是{NAME}，电话{PHONE}", "centre_id": hall.centre.id})
        assert filed.status_code == 201, filed.get_json()
        relative = client.post("/api/v1/relatives", headers=headers, json={
            "name": "欧阳大爷", "id_number": id_number(8802), "relation": "父母", "scopes": ["view"]})
        assert relative.status_code == 201
        citizen = session.scalars(select(Citizen).where(Citizen.openid == OPENID)).one()
        session.add(Rating(citizen_id=citizen.id, target_type="appointment", target_id=booked["id"], level=5,
                           centre_id=hall.centre.id, created_at=MONDAY_8AM, tags=[], invalidation={},
                           comment=f"{NAME}觉得窗口很耐心"))
        staff = make_staff(session, [hall.centre])
        case = applications.intake(session, cipher, staff, item_code=hall.quick.code, centre_id=hall.centre.id,
                                   applicant=applications.Applicant("person", NAME, id_number=NUMBER, phone=PHONE),
                                   now=MONDAY_8AM)
        bundle = applications.open_bundle_case(
            session, bundle_code="KSCJ", title="残疾人证跨省通办一件事", centre_id=hall.centre.id,
            applicant=applications.Applicant("person", NAME), citizen_id=citizen.id, proxy_citizen_id=None,
            receiving_province="河南省", now=MONDAY_8AM)
        # A 免申即享 payout to their own account, and a policy category they follow.
        policy = policy_world(session, hall.centre, citizen)
        policy["grant"].account_name = NAME
        policy["grant"].account_enc = cipher.encrypt("6222021610001234", context="policy_account")
        session.add(PolicySubscription(citizen_id=citizen.id, category="养老服务"))
        session.commit()
        identifiers = [NAME, NUMBER, PHONE, OPENID, citizen.verified_id_hash,
                       cipher.lookup_hash(PHONE, context=PHONE_CONTEXT),
                       cipher.lookup_hash(NUMBER, context=ID_NUMBER_CONTEXT)]
    return dict(hall=hall, headers=headers, booked=booked, slot=slot, citizen_id=citizen.id, case=case, bundle=bundle,
                identifiers=sorted(set(identifiers)))


def test_deleting_an_account_cancels_logs_out_and_erases_everything_but_what_the_law_keeps(
        app, client, db_session, wechat, leaving):
    session, cipher = db_session, app.extensions["banshi.cipher"]
    headers, citizen_id = leaving["headers"], leaving["citizen_id"]
    with time_machine.travel(MONDAY_8AM + timedelta(minutes=5), tick=False):
        refused = assert_envelope(client.post("/api/v1/me/deletion", headers=headers, json={"confirm": "注销"}),
                                  422, "validation_failed")
        assert "确认注销" in str(refused)
        assert client.get("/api/v1/me", headers=headers).status_code == 200        # nothing changed

        done = client.post("/api/v1/me/deletion", headers=headers, json={"confirm": "确认注销"})
        assert done.status_code == 200, done.get_json()
        assert (done.get_json()["cancelled_appointments"], done.get_json()["left_waitlists"],
                done.get_json()["ended_authorisations"]) == (1, 1, 1)
        assert done.get_json()["erase_by"].startswith("2026-11-23T09:05")
        assert_envelope(client.get("/api/v1/me", headers=headers), 401, "invalid_token")
        again = client.post("/api/v1/auth/login", json={"code": wechat.login_code(OPENID)})
        assert_envelope(again, 403, "account_closing")

    session.expire_all()
    appointment = session.get(Appointment, leaving["booked"]["id"])
    assert appointment.status == "cancelled" and appointment.cancel_reason == "账号注销"
    assert session.scalar(select(Slot.booked).where(Slot.id == leaving["slot"].id)) == 0   # the seat is back
    assert session.scalar(text("SELECT count(*) FROM notification WHERE citizen_id = :c "
                               "AND kind = 'appointment_cancelled'"), {"c": citizen_id}) == 1

    # A staff note about the person in the audit trail (chained, like every audit row).
    note = audit.record(session, actor="staff:1", action="test.note", subject_type="citizen", subject_id=citizen_id,
                        detail={"note": f"{NAME}来电"}, at=MONDAY_8AM + timedelta(minutes=10))

    # Not before the grace: the cancellation messages go out first.
    assert accounts.erase_due(session, cipher, MONDAY_8AM + timedelta(minutes=30), grace=GRACE) == 0
    assert accounts.erase_due(session, cipher, MONDAY_8AM + timedelta(minutes=70), grace=GRACE) == 1
    session.commit()
    assert accounts.erase_due(session, cipher, MONDAY_8AM + timedelta(minutes=80), grace=GRACE) == 0

    remaining = occurrences(session, leaving["identifiers"])
    assert {(table, column) for table, column, _ in remaining} <= KEPT_BY_LAW, remaining
    assert ("application", "applicant_name", NAME) in remaining      # the case file is the administration's
    session.expire_all()
    assert session.get(type(leaving["case"]), leaving["case"].id).citizen_id is None
    assert session.get(type(leaving["bundle"]), leaving["bundle"].id).citizen_id is None   # 一件事: kept, unlinked
    tombstone = session.get(Citizen, citizen_id)
    assert tombstone.openid == f"erased:{citizen_id}" and tombstone.real_name is None
    rating = session.scalars(select(Rating).where(Rating.citizen_id == citizen_id)).one()
    assert (rating.level, rating.comment) == (5, "***觉得窗口很耐心")           # anonymous, still counted
    feedback_text = session.scalar(text("SELECT text FROM feedback WHERE citizen_id = :c"), {"c": citizen_id})
    assert feedback_text == "建议周末开放，我是***，电话***"
    assert session.scalar(select(func.count()).select_from(WaitlistEntry).where(
        WaitlistEntry.person_name != "已注销", WaitlistEntry.citizen_id == citizen_id)) == 0

    # The audit row lost the name in a redaction the chain records: it still verifies.
    assert session.get(AuditLog, note.id).detail == {"note": "***来电"}
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == audit.REDACTED)) == 1
    report = audit.verify(session, app.extensions["banshi.keyring"], MONDAY_8AM + timedelta(hours=2))
    assert report.intact, [b.describe() for b in report.breaks]

    grant = session.scalars(select(PolicyGrant).where(PolicyGrant.citizen_id == citizen_id)).one()
    assert (grant.account_name, grant.account_enc, grant.status) == ("***", "***", "reviewing")
    assert session.scalar(select(func.count()).select_from(PolicySubscription)) == 0

    # The same WeChat user may start afresh: a new, empty account.
    with time_machine.travel(MONDAY_8AM + timedelta(hours=2), tick=False):
        fresh = client.post("/api/v1/auth/login", json={"code": wechat.login_code(OPENID)}).get_json()
        assert fresh["citizen_id"] != citizen_id
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh['token']}"}).get_json()
        assert me["verified"] is False and me["real_name"] is None


def test_a_running_suspension_survives_the_account(app, db_session):
    """Closing the account is no way around a no-show suspension: its keyed hash stays until it ends."""
    session, cipher = db_session, app.extensions["banshi.cipher"]
    build_hall(session, MONDAY_8AM)
    citizen = citizen_with_identity(session, cipher, 8810)
    key = citizen.verified_id_hash
    session.execute(text("INSERT INTO booking_suspension (person_hash, centre_id, until, reason) "
                         "SELECT :k, id, :until, '90天内预约未到场3次' FROM centre LIMIT 1"),
                    {"k": key, "until": MONDAY_8AM + timedelta(days=20)})
    accounts.request_deletion(session, citizen, MONDAY_8AM, grace=GRACE)
    assert accounts.erase(session, cipher, citizen.id, MONDAY_8AM + GRACE)
    assert session.scalar(text("SELECT count(*) FROM booking_suspension WHERE person_hash = :k"), {"k": key}) == 1
