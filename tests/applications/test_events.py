"""application.completed is published once and each consumer handles it once, however often dispatch runs."""

from miniapp_api import events
from miniapp_api.applications import services
from miniapp_api.applications.models import ApplicationStatus
from miniapp_api.platform_models import AuditLog, DomainEvent, EventDelivery

CONSUMER = "tests.applications.test_events.record_completion"


def record_completion(session, event: DomainEvent) -> None:
    """A consumer as ratings and surveys will be: it writes its own rows in the dispatch transaction."""
    session.add(AuditLog(actor="test-consumer", action="saw_completion", subject_type="application",
                         subject_id=event.payload["reference"]))


def test_completion_event_reaches_each_consumer_exactly_once(counter, cipher, now, db_session, monkeypatch):
    monkeypatch.setitem(events.CONSUMERS, events.APPLICATION_COMPLETED, [CONSUMER])
    application = counter.intake(cipher, now, accept=services.Advance(ApplicationStatus.ACCEPTED))
    for step in ("in_review", "approved", "completed"):
        counter.advance(application, step, now)
    db_session.commit()
    event = db_session.query(DomainEvent).filter_by(subject_id=application.id).one()
    assert events.dispatch(db_session, event.id, now) == 1
    assert events.dispatch(db_session, event.id, now) == 0          # a retried job
    event.dispatched_at = None                                       # the recovery sweep re-enqueued it
    db_session.commit()
    assert events.dispatch(db_session, event.id, now) == 0
    assert db_session.query(EventDelivery).filter_by(event_id=event.id).count() == 1
    seen = db_session.query(AuditLog).filter_by(action="saw_completion", subject_id=application.reference).count()
    assert seen == 1


def test_undispatched_events_are_found_by_the_recovery_sweep(counter, cipher, now, db_session):
    from datetime import timedelta

    application = counter.intake(cipher, now, accept=services.Advance(ApplicationStatus.ACCEPTED))
    for step in ("in_review", "approved", "completed"):
        counter.advance(application, step, now)
    db_session.flush()
    event = db_session.query(DomainEvent).filter_by(subject_id=application.id).one()
    later = event.created_at + timedelta(minutes=6)
    assert event.id in events.stale_events(db_session, later)
    events.dispatch(db_session, event.id, later)
    assert event.id not in events.stale_events(db_session, later)
