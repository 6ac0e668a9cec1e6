"""好差评: one rating per served target (per answer round for feedback), tied to centre, window, item, staff.

A 差评 (不满意/非常不满意) of an appointment, application or 帮办 (its helper) opens a Rectification in
the same transaction; a 差评 of a feedback answer reopens the feedback instead (that
loop is its own rectification). Ratings are never deleted: a 差评 leaves the
statistics only through an invalidation requested by one staff member with
evidence and approved by another, both audit-logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.applications.models import Application, ApplicationStatus, BundleCase
from miniapp_api.appointments.models import Appointment, AppointmentStatus
from miniapp_api.assistance.messages import RATING_TITLE as ASSISTANCE_TITLE
from miniapp_api.assistance.models import AssistanceRequest, RequestStatus
from miniapp_api.feedback import services as feedback_services
from miniapp_api.feedback.models import Feedback, FeedbackStatus
from miniapp_api.platform.clock import local_date
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.ratings import messages, rectifications
from miniapp_api.ratings.messages import LEVEL_NAMES
from miniapp_api.ratings.models import BAD_LEVELS, Rating, RatingDaily
from miniapp_api.staff.models import Role, Staff
from miniapp_api.staff.services import audit, visible_centre_ids

TARGET_NOT_FOUND = "target_not_found"
NOT_YET_RATABLE = "not_yet_ratable"
RATING_CLOSED = "rating_closed"
ALREADY_RATED = "already_rated"
RATE_THE_BUNDLE = "rate_the_bundle"
REASON_REQUIRED = "reason_required"
RATING_NOT_FOUND = "rating_not_found"
NOT_INVALIDATABLE = "not_invalidatable"
INVALIDATION_NOT_REQUESTED = "invalidation_not_requested"
SECOND_PERSON_REQUIRED = "second_person_required"
RATING_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Target:
    """What was served, to whom, and who is answerable for it."""

    kind: str
    id: int
    round: int
    completed_at: datetime
    centre_id: int
    window_id: int | None
    item_id: int | None
    staff_id: int | None
    title: str


def _target(session: Session, citizen_id: int, kind: str, target_id: int) -> Target:
    """The served thing if this citizen may rate it now; anyone else's is simply not found."""
    not_found = NotFound(messages.TARGET_NOT_FOUND, code=TARGET_NOT_FOUND)
    not_yet = DomainError(messages.NOT_YET_RATABLE, code=NOT_YET_RATABLE, status=409)
    if kind == "appointment":
        appointment = session.get(Appointment, target_id, with_for_update=True)
        if appointment is None or appointment.citizen_id != citizen_id:
            raise not_found
        if appointment.status != AppointmentStatus.SERVED:
            raise not_yet
        lines = appointment.lines
        return Target(kind, appointment.id, 0, appointment.updated_at or appointment.ends_at, appointment.centre_id,
                      appointment.window_id, lines[0].item_id if lines else None, None,
                      "、".join(line.item.name for line in lines) or messages.VISIT_TITLE)
    if kind == "application":
        application = session.get(Application, target_id, with_for_update=True)
        if application is None or citizen_id not in (application.citizen_id, application.proxy_citizen_id):
            raise not_found
        if application.bundle_case_id is not None:   # one rating for the whole 一件事, not one per item
            raise DomainError(messages.RATE_THE_BUNDLE, code=RATE_THE_BUNDLE, status=409)
        if application.status != ApplicationStatus.COMPLETED or application.completed_at is None:
            raise not_yet
        return Target(kind, application.id, 0, application.completed_at, application.centre_id,
                      application.window_id, application.item_id, application.handler_staff_id,
                      application.item.name)
    if kind == "bundle":
        bundle = session.get(BundleCase, target_id, with_for_update=True)
        if bundle is None or citizen_id not in (bundle.citizen_id, bundle.proxy_citizen_id):
            raise not_found
        if bundle.completed_at is None:
            raise not_yet
        return Target(kind, bundle.id, 0, bundle.completed_at, bundle.centre_id, None, None, None, bundle.title)
    if kind == "assistance":   # 帮办代办: the helper's service, once the request is closed
        request = session.get(AssistanceRequest, target_id, with_for_update=True)
        if request is None or request.citizen_id != citizen_id:
            raise not_found
        if request.status != RequestStatus.CLOSED or request.closed_at is None:
            raise not_yet
        return Target(kind, request.id, 0, request.closed_at, request.centre_id, None, request.item_id,
                      request.helper_staff_id, ASSISTANCE_TITLE.format(id=request.id))
    feedback = session.get(Feedback, target_id, with_for_update=True)
    if feedback is None or feedback.citizen_id != citizen_id:
        raise not_found
    if feedback.status != FeedbackStatus.ANSWERED or feedback.answered_at is None or feedback.centre_id is None:
        raise not_yet
    return Target(kind, feedback.id, feedback.reopen_count, feedback.answered_at, feedback.centre_id,
                  feedback.window_id, feedback.item_id, feedback.answered_by_staff_id,
                  messages.FEEDBACK_ANSWER_TITLE.format(id=feedback.id))


def is_rated(session: Session, kind: str, target_id: int) -> bool:
    return session.scalar(select(Rating.id).where(Rating.target_type == kind, Rating.target_id == target_id)
                          .limit(1)) is not None


@dataclass
class RatingIn:
    target: str
    target_id: int
    level: int
    tags: list[str] = field(default_factory=list)
    comment: str | None = None


def _count(session: Session, rating: Rating, sign: int, *, rectified: int = 0) -> None:
    """Keep the daily pre-aggregate in step with the ratings, in the same transaction."""
    day = local_date(rating.created_at)
    good = 1 if rating.level not in BAD_LEVELS else 0
    values = dict(day=day, centre_id=rating.centre_id, window_id=rating.window_id or 0,
                  item_id=rating.item_id or 0, staff_id=rating.staff_id or 0, total=sign, good=sign * good,
                  bad=sign * (1 - good), rectified=rectified, level_sum=sign * rating.level)
    statement = insert(RatingDaily).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["day", "centre_id", "window_id", "item_id", "staff_id"],
        set_={name: getattr(RatingDaily, name) + getattr(statement.excluded, name)
              for name in ("total", "good", "bad", "rectified", "level_sum")}))


def rate(session: Session, citizen_id: int, data: RatingIn, now: datetime) -> Rating:
    target = _target(session, citizen_id, data.target, data.target_id)
    if now - target.completed_at > timedelta(days=RATING_WINDOW_DAYS):
        raise DomainError(messages.RATING_CLOSED.format(days=RATING_WINDOW_DAYS), code=RATING_CLOSED, status=409)
    bad = data.level in BAD_LEVELS
    reason = "；".join(filter(None, ["、".join(data.tags), data.comment]))
    if bad and target.kind == "feedback" and not reason:
        raise DomainError(messages.REASON_REQUIRED, code=REASON_REQUIRED, status=422,
                          fields={"comment": messages.REASON_REQUIRED})
    rating_id = session.execute(insert(Rating).values(
        citizen_id=citizen_id, target_type=target.kind, target_id=target.id, round=target.round, level=data.level,
        tags=data.tags, comment=data.comment, centre_id=target.centre_id, window_id=target.window_id,
        item_id=target.item_id, staff_id=target.staff_id, created_at=now, validity="valid", invalidation={},
        channel="miniapp").on_conflict_do_nothing(constraint="uq_rating_target_round")
        .returning(Rating.id)).scalar_one_or_none()
    if rating_id is None:   # a double tap, or a second try: the first rating stands
        raise DomainError(messages.ALREADY_RATED, code=ALREADY_RATED, status=409)
    rating = session.get(Rating, rating_id)
    _count(session, rating, +1)
    if target.kind == "feedback":
        feedback = session.get(Feedback, target.id)
        if bad:
            feedback_services.reopen_unsatisfied(session, feedback, citizen_id, reason, now)
        else:
            feedback_services.close_satisfied(session, feedback, citizen_id, LEVEL_NAMES[data.level], now)
    elif bad:
        rectifications.open_rectification(
            session, source=("rating", rating.id), rating_id=rating.id, citizen_id=citizen_id,
            centre_id=target.centre_id, window_id=target.window_id, item_id=target.item_id,
            staff_id=target.staff_id, summary=f"{target.title}：{LEVEL_NAMES[data.level]}"
                                             + (f"（{reason}）" if reason else ""),
            level_name=LEVEL_NAMES[data.level], now=now)
    session.flush()
    return rating


def citizen_ratings(session: Session, citizen_id: int, limit: int = 50, *, target: str | None = None,
                    target_id: int | None = None) -> list[Rating]:
    """The citizen's own ratings, newest first; of one target type, or one thing, when asked."""
    statement = select(Rating).where(Rating.citizen_id == citizen_id)
    if target is not None:
        statement = statement.where(Rating.target_type == target)
    if target_id is not None:
        statement = statement.where(Rating.target_id == target_id)
    return list(session.scalars(statement.order_by(Rating.id.desc()).limit(limit)))


# --- invalidation (误评/恶意差评): one asks with evidence, another approves ----------------------------------

INVALIDATION_ROLES = (Role.CENTRE_MANAGER, Role.SUPERVISOR)


def _staff_rating(session: Session, staff: Staff, rating_id: int) -> Rating:
    rating = session.scalars(select(Rating).where(
        Rating.id == rating_id, Rating.centre_id.in_(visible_centre_ids(session, staff)))
        .with_for_update()).one_or_none()
    if rating is None or not staff.has_role(*INVALIDATION_ROLES):
        raise NotFound(messages.RATING_NOT_FOUND, code=RATING_NOT_FOUND)
    return rating


def request_invalidation(session: Session, staff: Staff, rating_id: int, reason: str, evidence: list[str],
                         now: datetime) -> Rating:
    rating = _staff_rating(session, staff, rating_id)
    if not rating.is_bad or rating.validity != "valid":
        raise DomainError(messages.INVALIDATION_ONLY_BAD, code=NOT_INVALIDATABLE, status=409)
    rating.validity = "invalidation_requested"
    rating.invalidation = {"reason": reason, "evidence": evidence, "requested_by": staff.id,
                               "requested_at": now.isoformat()}
    audit(session, staff, "request_rating_invalidation", "rating", rating.id, reason=reason,
          evidence=evidence)
    session.flush()
    return rating


def decide_invalidation(session: Session, staff: Staff, rating_id: int, approve: bool, note: str | None,
                        now: datetime) -> Rating:
    rating = _staff_rating(session, staff, rating_id)
    if rating.validity != "invalidation_requested":
        raise DomainError(messages.INVALIDATION_NOT_REQUESTED, code=INVALIDATION_NOT_REQUESTED, status=409)
    if rating.invalidation.get("requested_by") == staff.id:
        raise DomainError(messages.INVALIDATION_SAME_PERSON, code=SECOND_PERSON_REQUIRED, status=409)
    rating.invalidation = {**rating.invalidation, "decided_by": staff.id, "decided_at": now.isoformat(),
                               "approved": approve, "note": note}
    if approve:
        rating.validity = "invalid"
        rectified = rectifications.close_as_invalid(session, rating.id, staff, now)
        _count(session, rating, -1, rectified=-rectified)
    else:
        rating.validity = "valid"
    audit(session, staff, "decide_rating_invalidation", "rating", rating.id, approved=approve, note=note)
    session.flush()
    return rating


def rated_invitations(session: Session, rows: list) -> set[int]:
    """The outbox's cause check for 一次一评 invitations (subject: the application): those whose case was rated."""
    rated = set(session.scalars(select(Rating.target_id).where(
        Rating.target_type == "application", Rating.target_id.in_([row.subject_id for row in rows]))))
    return {row.id for row in rows if row.subject_id in rated}
