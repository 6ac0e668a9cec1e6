"""Event consumers: completions become survey invitations; a fixed survey-born rectification gets a revisit.

Subscribed in miniapp_api/bootstrap.py; they take a batch of events so a backlog of
100,000 completions is handled set-based, a thousand at a time.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.events import APPLICATION_COMPLETED
from miniapp_api.platform.models import DomainEvent
from miniapp_api.surveys.services import Subject, invite


def _subject(event: DomainEvent) -> Subject | None:
    payload = event.payload
    citizen_id = payload.get("citizen_id") or payload.get("proxy_citizen_id")
    if not citizen_id:
        return None   # filed at the counter by someone without the mini-program: nobody to ask here
    return Subject(trigger=event.kind, subject_type=event.subject_type, subject_id=event.subject_id,
                   citizen_id=citizen_id, centre_id=payload.get("centre_id"), item_id=payload.get("item_id"),
                   key=f"{event.kind}:{event.subject_type}:{event.subject_id}:{citizen_id}")


def on_completion(session: Session, events: list[DomainEvent]) -> None:
    # A child case of a 一件事 is surveyed with its bundle (on_bundle_completion), not once per item.
    alone = [e for e in events if not e.payload.get("bundle_case_id")]
    invite(session, [s for s in map(_subject, alone) if s is not None], utcnow())


def on_bundle_completion(session: Session, events: list[DomainEvent]) -> None:
    """The whole 一件事 done: one survey, under the rules of a completed application (the same questions)."""
    subjects = [Subject(trigger=APPLICATION_COMPLETED, subject_type=s.subject_type, subject_id=s.subject_id,
                        citizen_id=s.citizen_id, centre_id=s.centre_id, item_id=None, key=s.key)
                for s in map(_subject, events) if s is not None]
    invite(session, subjects, utcnow())


def on_rectification_fixed(session: Session, events: list[DomainEvent]) -> None:
    """Survey-born rectifications are revisited by survey, each fix round once; 差评 ones by the rating flow."""
    subjects = []
    for event in events:
        payload = event.payload
        if payload.get("source_type") != "survey_answer":
            continue
        subjects.append(Subject(
            trigger=event.kind, subject_type="rectification", subject_id=event.subject_id,
            citizen_id=payload["citizen_id"], centre_id=payload.get("centre_id"), item_id=payload.get("item_id"),
            key=f"{event.kind}:{event.subject_id}:round{payload.get('round', 1)}"))
    invite(session, subjects, utcnow(), kind="revisit", honour_gap=False, sample=False)
