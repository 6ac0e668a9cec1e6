"""Retention: each kind of record past its period is deleted, or has the person cut out; nothing younger."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from miniapp_api.accounts import retention
from miniapp_api.appointments import services
from miniapp_api.appointments.models import Appointment, AppointmentStatus
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.services import notify
from miniapp_api.platform import audit
from miniapp_api.platform.clock import local_date
from miniapp_api.platform.models import AuditLog
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, citizen_with_identity

NOW = MONDAY_8AM


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_old_records_go_young_ones_stay_and_a_second_run_finds_nothing(db_session, cipher, app):
    keyring = app.extensions["banshi.keyring"]
    session = db_session
    hall = build_hall(session, NOW)
    citizen = citizen_with_identity(session, cipher, 8901)
    for age_days, status in ((200, "sent"), (200, "pending"), (20, "sent")):
        message = notify(session, citizen_id=citizen.id, kind="account_security", context={
            "event": "测试", "time": "2026年11月23日 08:00", "tip": "测试"}, title="测试", body="测试", page=None, now=NOW)
        session.execute(text("UPDATE notification SET created_at = :at, status = :status WHERE id = :id"),
                        {"at": NOW - timedelta(days=age_days), "status": status, "id": message.id})
    appointment = services.book_appointment(
        session, citizen_id=citizen.id, person=services.person_for_self(citizen, cipher),
        slot_id=hall.slot(session, hall.general, "2026-11-24 09:00").id, item_codes=[hall.quick.code], now=NOW)
    services.end_appointment(appointment, AppointmentStatus.SERVED, NOW)
    session.flush()
    session.execute(text("UPDATE appointment SET ends_at = :at, starts_at = :at WHERE id = :id"),
                    {"at": NOW - timedelta(days=1200), "id": appointment.id})
    audit.record(session, actor="system", action="old", subject_type="x", subject_id="1", at=NOW - timedelta(days=1200))
    audit.record(session, actor="system", action="new", subject_type="x", subject_id="2", at=NOW - timedelta(days=10))
    audit.seal_days(session, keyring, local_date(NOW) - timedelta(days=1))   # audit rows go by sealed days
    session.execute(text("INSERT INTO booking_suspension (person_hash, centre_id, until, reason) VALUES "
                         "('old', :c, :old, '旧'), ('running', :c, :later, '新')"),
                    {"c": hall.centre.id, "old": NOW - timedelta(days=400), "later": NOW + timedelta(days=5)})
    session.flush()

    done = retention.purge(session, NOW)
    assert (done["notification"], done["appointment_person"], done["audit_log"],
            done["booking_suspension"]) == (1, 1, 1, 1)
    assert sorted(session.scalars(select(Notification.status).where(Notification.kind == "account_security"))) == [
        "pending", "sent"]
    session.expire_all()
    kept = session.get(Appointment, appointment.id)
    assert (kept.status, kept.person_name, kept.person_hash) == ("served", "已注销", f"erased:{appointment.id}")
    assert [a.action for a in session.scalars(select(AuditLog).where(AuditLog.subject_type == "x"))] == ["new"]
    assert session.scalar(text("SELECT array_agg(person_hash) FROM booking_suspension")) == ["running"]
    assert set(retention.purge(session, NOW).values()) == {0}

    # A shorter period, set by configuration, reaches younger records.
    assert retention.purge(session, NOW, {"notification": 10})["notification"] == 1


def test_an_unknown_kind_in_the_configuration_is_refused():
    with pytest.raises(ValueError, match="notificaton"):
        retention.periods({"notificaton": 30})
