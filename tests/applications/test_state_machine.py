"""The application state machine, the legal clock in Chinese working days, and its pause during 补正."""

from datetime import date

import pytest

from miniapp_api.applications import services
from miniapp_api.applications.models import TRANSITIONS, ApplicationStatus
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform.models import DomainEvent
from tests.applications.conftest import at

S = ApplicationStatus
HAPPY_PATH = ["accepted", "in_review", "approved", "ready_for_pickup", "completed"]


def test_reference_numbers_are_readable_unique_and_not_sequential(counter, cipher, now):
    refs = [counter.intake(cipher, now, person=n).reference for n in range(1, 30)]
    assert len(set(refs)) == len(refs)
    assert all(ref.startswith("BS20261123-") and len(ref) == 17 for ref in refs)
    assert all(not set(ref[11:]) & set("01OI") for ref in refs)
    assert sorted(refs) != refs or sorted(refs, reverse=True) != refs  # not issued in order


def test_the_happy_path_writes_a_timeline_and_completes_once(counter, cipher, now, db_session):
    application = counter.intake(cipher, now)
    for step in HAPPY_PATH:
        counter.advance(application, step, now)
    assert application.status == "completed"
    assert [e.to_status for e in application.events] == ["submitted", *HAPPY_PATH]
    assert application.pickup_place == "".join((counter.district.name, counter.district.address))
    completed = db_session.query(DomainEvent).filter_by(kind="application.completed",
                                                        subject_id=application.id).all()
    assert len(completed) == 1
    assert completed[0].payload["reference"] == application.reference


@pytest.mark.parametrize("current", list(S))
def test_every_illegal_transition_is_refused_with_409_and_changes_nothing(counter, cipher, now, current):
    application = counter.intake(cipher, now)
    application.status = current  # place the case in each state directly; the path there is tested above
    events_before = len(application.events)
    for target in set(S) - TRANSITIONS[current]:
        with pytest.raises(DomainError) as refused:
            services.check_transition(application, target)
        assert refused.value.status == 409 and refused.value.code == "illegal_transition"
        assert application.status == current
    assert len(application.events) == events_before


def test_due_date_counts_working_days_over_national_day_and_its_weekend_workday(counter, cipher):
    # Accepted Tue 29 Sep 2026: 30 Sep, then 1-7 Oct are off, Sat 10 Oct is a 调休 workday.
    accepted = at("2026-09-29 10:00")
    application = counter.intake(cipher, accepted, accept=services.Advance(S.ACCEPTED))
    assert application.accepted_on == date(2026, 9, 29)
    assert application.due_on == date(2026, 10, 19)


def test_due_date_over_spring_festival(counter, cipher):
    # Fri 13 Feb 2026, 3 working days: Sat 14 Feb (调休 workday), then the holiday to 23 Feb, then 24 and 25 Feb.
    application = counter.intake(cipher, at("2026-02-13 15:00"), item=counter.quick,
                                 accept=services.Advance(S.ACCEPTED))
    assert application.due_on == date(2026, 2, 25)


def test_the_clock_pauses_during_correction_and_moves_the_due_date(counter, cipher):
    application = counter.intake(cipher, at("2026-11-23 09:00"), accept=services.Advance(S.ACCEPTED))
    assert application.due_on == date(2026, 12, 7)
    counter.advance(application, "in_review", at("2026-11-24 09:00"))
    counter.advance(application, "needs_correction", at("2026-11-25 10:00"),
                    corrections=[("经营场所平面图", "比例尺不清楚")], corrections_due_on=date(2026, 12, 2))
    assert application.paused_on == date(2026, 11, 25)
    # Past the original due date while paused: not overdue.
    assert not application.is_overdue(date(2026, 12, 8))
    counter.advance(application, "in_review", at("2026-12-01 09:00"))
    # 26, 27, 30 Nov and 1 Dec stood still: four working days later.
    assert application.due_on == date(2026, 12, 11)
    assert application.paused_on is None
    assert all(m.received_at is not None for m in application.materials if m.kind == "correction")
    assert application.is_overdue(date(2026, 12, 14))
    assert not application.is_overdue(date(2026, 12, 11))


def test_correction_without_a_list_and_mailing_without_tracking_are_refused(counter, cipher, now):
    application = counter.intake(cipher, now, accept=services.Advance(S.ACCEPTED))
    counter.advance(application, "in_review", now)
    with pytest.raises(DomainError) as refused:
        counter.advance(application, "needs_correction", now)
    assert refused.value.fields == {"corrections": "请列出需要补正的内容"}
    counter.advance(application, "approved", now)
    with pytest.raises(DomainError) as refused:
        counter.advance(application, "mailed", now, carrier="EMS")
    assert refused.value.code == "validation_failed" and "tracking_number" in refused.value.fields
    counter.advance(application, "mailed", now, carrier="EMS", tracking_number="1187654321098")
    assert application.delivery == "mail"


def test_rejection_is_completed_without_pickup(counter, cipher, now):
    application = counter.intake(cipher, now, accept=services.Advance(S.ACCEPTED))
    counter.advance(application, "in_review", now)
    counter.advance(application, "rejected", now, public_note="经营场所不符合食品安全要求")
    counter.advance(application, "completed", now)
    assert application.status == "completed"
    assert application.events[-2].public_note == "经营场所不符合食品安全要求"
