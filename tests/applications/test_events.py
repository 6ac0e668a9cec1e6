"""application.completed is published once and each consumer handles it once, however often dispatch runs."""

from datetime import timedelta

import pytest

from miniapp_api.applications import services
from miniapp_api.applications.models import ApplicationStatus
from miniapp_api.platform import events
from miniapp_api.platform import audit
from miniapp_api.platform.models import AuditLog, DomainEvent, EventDelivery


def record_completions(session, batch: list[DomainEvent]) -> None:
    """A consumer as ratings and surveys are: it writes its own rows in the dispatch transaction."""
    for event in batch:
        audit.record(session, actor="test-consumer", action="saw_completion", subject_type="application",
                     subject_id=event.payload["reference"])


def completed(counter, cipher, now):
    application = counter.intake(cipher, now, accept=services.Advance(ApplicationStatus.ACCEPTED))
    for step in ("in_review", "approved", "completed"):
        counter.advance(application, step, now)
    return application


@pytest.fixture
def consumer():
    events.subscribe(events.APPLICATION_COMPLETED, record_completions)
    yield record_completions
    events.unsubscribe(events.APPLICATION_COMPLETED, record_completions)


def test_consumers_are_subscribed_once_by_name(app, consumer):
    events.subscribe(events.APPLICATION_COMPLETED, record_completions)   # a second app built: still once
    subscribed = events.consumers(events.APPLICATION_COMPLETED)
    assert list(subscribed).count("tests.applications.test_events.record_completions") == 1
    # create_app wired the survey consumer under the name EventDelivery rows already carry
    assert "miniapp_api.surveys.consumers.on_completion" in subscribed


def test_completion_event_reaches_each_consumer_exactly_once(counter, cipher, now, db_session, consumer):
    application = completed(counter, cipher, now)
    db_session.commit()
    event = db_session.query(DomainEvent).filter_by(subject_id=application.id).one()
    assert events.dispatch(db_session, [event.id], now) == 1
    assert events.dispatch(db_session, [event.id], now) == 0          # a retried job
    event.dispatched_at = None                                        # as if the sweep found it again
    db_session.commit()
    assert events.dispatch(db_session, [event.id], now) == 1          # handed over, but the consumer had it
    # every consumer of the kind (this one and the survey's) handled it exactly once
    deliveries = db_session.query(EventDelivery.consumer).filter_by(event_id=event.id).all()
    assert sorted(c for (c,) in deliveries) == sorted(events.consumers(events.APPLICATION_COMPLETED))
    assert "tests.applications.test_events.record_completions" in {c for (c,) in deliveries}
    seen = db_session.query(AuditLog).filter_by(action="saw_completion", subject_id=application.reference).count()
    assert seen == 1


def test_undispatched_events_are_found_by_the_recovery_sweep(counter, cipher, now, db_session):
    application = completed(counter, cipher, now)
    db_session.flush()
    event = db_session.query(DomainEvent).filter_by(subject_id=application.id).one()
    later = event.created_at + timedelta(minutes=6)
    assert event.id in events.pending_events(db_session, later, timedelta(minutes=5))
    events.dispatch(db_session, [event.id], later)
    assert event.id not in events.pending_events(db_session, later, timedelta(minutes=5))
