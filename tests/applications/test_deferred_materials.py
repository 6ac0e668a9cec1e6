"""容缺受理: accepted on a promise, reminded before the deadline, flagged (never rejected) after it."""

from datetime import date

import pytest

from miniapp_api.applications import services
from miniapp_api.applications.models import ApplicationEvent, ApplicationStatus
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.clock import local
from miniapp_api.platform.errors import DomainError
from tests.applications.conftest import at
from tests.factories import citizen_with_identity

S = ApplicationStatus
PROMISE = "本人承诺于期限内补交所缺材料，逾期未补交的，愿意承担相应责任。"


def deferred(due: date, *names: str) -> services.Advance:
    return services.Advance(S.ACCEPTED_PENDING_MATERIALS, missing_materials=list(names) or ["从业人员健康证明"],
                            promise_text=PROMISE, materials_due_on=due)


@pytest.fixture
def applicant(db_session, cipher):
    return citizen_with_identity(db_session, cipher, 1, name="李娜")


def reminders(session, application):
    return session.query(Notification).filter_by(subject_type="application_materials",
                                                 subject_id=application.id).order_by(Notification.deliver_after).all()


def test_accepting_with_missing_materials_needs_a_promise_and_never_a_key_material(counter, cipher, now):
    application = counter.intake(cipher, now)
    for advance, field in ((services.Advance(S.ACCEPTED_PENDING_MATERIALS, missing_materials=["从业人员健康证明"]),
                            "promise_text"),
                           (deferred(date(2026, 12, 4), "营业执照"), "missing_materials"),
                           (deferred(date(2026, 11, 20)), "materials_due_on")):
        with pytest.raises(DomainError) as refused:
            counter.advance(application, advance.to, now, **{k: v for k, v in vars(advance).items() if k != "to"})
        assert field in refused.value.fields
    assert application.status == "submitted"


def test_reminders_go_three_and_one_working_days_before_the_deadline_at_nine(counter, cipher, now, db_session,
                                                                            applicant):
    second = counter.intake(cipher, now, person=2)
    second.citizen_id = applicant.id
    counter.advance(second, "accepted_pending_materials", now, missing_materials=["食品安全管理制度"],
                    promise_text=PROMISE, materials_due_on=date(2026, 12, 7))
    due = [local(r.deliver_after) for r in reminders(db_session, second)]
    # Mon 7 Dec: three working days before is Wed 2 Dec, one is Fri 4 Dec.
    assert [d.isoformat() for d in due] == ["2026-12-02T09:00:00+08:00", "2026-12-04T09:00:00+08:00"]
    assert "食品安全管理制度" in reminders(db_session, second)[0].body


def test_receiving_the_last_material_cancels_the_reminders_and_allows_completion(counter, cipher, now, db_session,
                                                                                applicant):
    application = counter.intake(cipher, now)
    application.citizen_id = applicant.id
    counter.advance(application, "accepted_pending_materials", now,
                    missing_materials=["食品安全管理制度", "从业人员健康证明"], promise_text=PROMISE,
                    materials_due_on=date(2026, 12, 7))
    for step in ("in_review", "approved"):
        counter.advance(application, step, now)
    with pytest.raises(DomainError) as refused:
        counter.advance(application, "completed", now)
    assert refused.value.code == "materials_outstanding" and refused.value.status == 409
    first, second = application.materials
    services.receive_material(db_session, counter.staff, application, first.id, now)
    assert {r.status for r in reminders(db_session, application)} == {"pending"}
    services.receive_material(db_session, counter.staff, application, second.id, now)
    db_session.expire_all()
    assert {r.status for r in reminders(db_session, application)} == {"cancelled"}
    counter.advance(application, "completed", now)
    assert application.status == "completed"


def test_past_the_deadline_the_case_is_flagged_for_staff_once_and_not_rejected(counter, cipher, now, db_session):
    application = counter.intake(cipher, now, accept=deferred(date(2026, 11, 25)))
    assert services.flag_overdue_materials(db_session, at("2026-11-25 23:00")) == 0   # due today: not late yet
    assert services.flag_overdue_materials(db_session, at("2026-11-26 00:10")) == 1
    assert services.flag_overdue_materials(db_session, at("2026-11-26 00:11")) == 0   # the sweep ran twice
    flags = db_session.query(ApplicationEvent).filter_by(application_id=application.id, kind="material_overdue").all()
    assert len(flags) == 1 and not flags[0].visible_to_citizen
    assert application.status == "accepted_pending_materials"
    listed = services.staff_applications(db_session, counter.staff, services.StaffFilter(materials_overdue=True),
                                         at("2026-11-26 09:00"))
    assert [a.id for a in listed] == [application.id]
