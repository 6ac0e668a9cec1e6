"""Follow-up surveys: who is invited (rules as data, sampling, contact gaps), sending, one reminder,
expiry, answering with per-question validation, and the rectification loop for "not fixed".

Every trigger has a key (event + subject + citizen): the invitation row is inserted with
ON CONFLICT DO NOTHING on it, so a trigger processed twice invites once, and a trigger that
was not sampled leaves a `skipped` row that makes a repeat a no-op too.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.applications.models import BundleCase
from miniapp_api.centres.models import ServiceItem
from miniapp_api.notifications.delivery import in_quiet_hours, quiet_hours_end
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.services import notify
from miniapp_api.platform.clock import chinese_date
from miniapp_api.platform.errors import VALIDATION_FAILED, DomainError, NotFound
from miniapp_api.ratings import rectifications
from miniapp_api.ratings.models import Rating, Rectification, RectificationStatus
from miniapp_api.surveys import messages
from miniapp_api.surveys.models import InvitationRule, InvitationStatus, Survey, SurveyAnswer, SurveyInvitation

I = InvitationStatus
SURVEY_NOT_FOUND = "survey_not_found"
SURVEY_EXPIRED = "survey_expired"
ALREADY_ANSWERED = "survey_already_answered"
PAGE = "pages/surveys/answer?token={token}"
DEFAULT_RULES = (
    # trigger, survey, delay (minutes), sample rate
    ("application.completed", "service", 120, 1.0),
    ("appointment.served", "service", 120, 1.0),
    ("feedback.closed", "revisit", 7 * 24 * 60, 1.0),      # FixMyStreet-style: is it still fixed a week later?
    ("rectification.fixed", "revisit", 60, 1.0),
    ("monthly", "service", 0, 1.0),
    ("audit", "service", 0, 1.0),
)


def ensure_defaults(session: Session) -> None:
    """The default questionnaires and rules, created once (a fresh database, or after an admin removed all)."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('banshi.survey_defaults'))"))
    for spec in (messages.SERVICE_SURVEY, messages.REVISIT_SURVEY):
        session.execute(insert(Survey).values(code=spec["code"], version=1, title=spec["title"],
                                              questions=spec["questions"], live=True)
                        .on_conflict_do_nothing(constraint="uq_survey_code_version"))
    if session.scalar(select(func.count()).select_from(InvitationRule)) == 0:
        session.execute(insert(InvitationRule), [
            {"trigger": trigger, "survey_code": code, "delay_minutes": delay, "sample_rate": rate,
             "contact_gap_days": 30, "reminder_after_days": 3, "expire_after_days": 14, "active": True}
            for trigger, code, delay, rate in DEFAULT_RULES])
    session.flush()


def publish_survey(session: Session, code: str, title: str, questions: list[dict]) -> Survey:
    """Editing a live survey publishes a new version; invitations already out keep theirs."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"survey:{code}"})
    version = (session.scalar(select(func.max(Survey.version)).where(Survey.code == code)) or 0) + 1
    session.execute(update(Survey).where(Survey.code == code).values(live=False))
    survey = Survey(code=code, version=version, title=title, questions=questions, live=True)
    session.add(survey)
    session.flush()
    return survey


def live_survey(session: Session, code: str) -> Survey | None:
    return session.scalars(select(Survey).where(Survey.code == code, Survey.live.is_(True))).one_or_none()


# --- invitations ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """A finished piece of work someone may be asked about."""

    trigger: str              # application.completed, appointment.served, feedback.closed, rectification.fixed,
    #                           monthly, audit
    subject_type: str
    subject_id: int
    citizen_id: int
    centre_id: int | None
    item_id: int | None
    key: str                  # the trigger key: the same trigger always produces the same key
    what: str = messages.THIS_VISIT


def out_of_quiet_hours(moment: datetime) -> datetime:
    """An invitation due in quiet hours waits for their end, by the outbox's own rule."""
    return quiet_hours_end(moment) if in_quiet_hours(moment) else moment


def sampled(rule_id: int, key: str, rate: float) -> bool:
    """Deterministic: the same trigger gets the same answer however often it is processed."""
    if rate >= 1:
        return True
    draw = int(hashlib.sha256(f"{rule_id}:{key}".encode()).hexdigest()[:12], 16) / 16**12
    return draw < rate


def _pick_rule(rules: list[InvitationRule], subject: Subject) -> InvitationRule | None:
    """The most specific active rule for the trigger: item + centre, item, centre, default."""
    best, best_rank = None, -1
    for rule in rules:
        if rule.trigger != subject.trigger:
            continue
        if (rule.item_id not in (None, subject.item_id)) or (rule.centre_id not in (None, subject.centre_id)):
            continue
        rank = (rule.item_id is not None) * 2 + (rule.centre_id is not None)
        if rank > best_rank:
            best, best_rank = rule, rank
    return best


def invite(session: Session, subjects: list[Subject], now: datetime, *, kind: str = "event",
           honour_gap: bool = True, sample: bool = True) -> dict[str, int]:
    """Decide and record, set-based, for a batch of subjects; returns counts by outcome."""
    if not subjects:
        return {}
    rules = list(session.scalars(select(InvitationRule).where(InvitationRule.active.is_(True))))
    if not rules:
        ensure_defaults(session)
        rules = list(session.scalars(select(InvitationRule).where(InvitationRule.active.is_(True))))
    surveys = {s.code: s for s in session.scalars(select(Survey).where(Survey.live.is_(True)))}
    known = set(session.scalars(select(SurveyInvitation.trigger_key).where(
        SurveyInvitation.trigger_key.in_([s.key for s in subjects]))))
    outcome: dict[str, int] = {"already": len(known)} if known else {}
    subjects = [s for s in subjects if s.key not in known]   # a repeat trigger: decided before, nothing to do
    citizens = {s.citizen_id for s in subjects}
    widest_gap = max((r.contact_gap_days for r in rules), default=0)
    last_asked = dict(session.execute(
        select(SurveyInvitation.citizen_id, func.max(SurveyInvitation.created_at)).where(
            SurveyInvitation.citizen_id.in_(citizens), SurveyInvitation.status != I.SKIPPED,
            SurveyInvitation.created_at > now - timedelta(days=widest_gap)).group_by(SurveyInvitation.citizen_id)
    ).tuples().all())
    rated = set(session.execute(select(Rating.target_type, Rating.target_id).where(
        Rating.target_id.in_({s.subject_id for s in subjects}),
        Rating.target_type.in_({s.subject_type for s in subjects}))).tuples().all())
    rows = []
    for subject in subjects:
        rule = _pick_rule(rules, subject)
        survey = surveys.get(rule.survey_code) if rule else None
        if rule is None or survey is None:
            outcome["no_rule"] = outcome.get("no_rule", 0) + 1
            continue
        reason = None
        if sample and not sampled(rule.id, subject.key, rule.sample_rate):
            reason = "not_sampled"
        elif (subject.subject_type, subject.subject_id) in rated:
            reason = "rated"
        elif honour_gap and subject.citizen_id in last_asked and \
                last_asked[subject.citizen_id] > now - timedelta(days=rule.contact_gap_days):
            reason = "recent"
        if reason is None:
            last_asked[subject.citizen_id] = now   # a second subject of the same batch waits its turn too
        rows.append({
            "trigger_key": subject.key, "kind": kind, "rule_id": rule.id, "survey_id": survey.id,
            "citizen_id": subject.citizen_id, "subject_type": subject.subject_type, "subject_id": subject.subject_id,
            "centre_id": subject.centre_id, "item_id": subject.item_id,
            "status": I.SKIPPED if reason else I.SCHEDULED, "skip_reason": reason,
            "scheduled_for": out_of_quiet_hours(now + timedelta(minutes=rule.delay_minutes)),
            "reminder_after_days": rule.reminder_after_days, "expire_after_days": rule.expire_after_days,
            "created_at": now})
        key = reason or "scheduled"
        outcome[key] = outcome.get(key, 0) + 1
    for start in range(0, len(rows), 1000):
        session.execute(insert(SurveyInvitation).values(rows[start:start + 1000])
                        .on_conflict_do_nothing(constraint="uq_invitation_trigger_key"))
    return outcome


def subject_title(session: Session, invitation: SurveyInvitation) -> str:
    if invitation.subject_type == "rectification":
        rectification = session.get(Rectification, invitation.subject_id)
        return rectification.summary[:30] if rectification else messages.YOUR_ISSUE
    if invitation.subject_type == "feedback":
        return messages.FEEDBACK_SUBJECT.format(id=invitation.subject_id)
    if invitation.subject_type == "bundle":
        bundle = session.get(BundleCase, invitation.subject_id)
        return bundle.title if bundle else messages.THIS_VISIT
    item = session.get(ServiceItem, invitation.item_id) if invitation.item_id else None
    return item.name if item else messages.THIS_VISIT


def send_due(session: Session, now: datetime, limit: int = 500) -> int:
    """Scheduled invitations whose time has come: a token, an outbox message, `sent`."""
    rows = list(session.scalars(select(SurveyInvitation).where(
        SurveyInvitation.status == I.SCHEDULED, SurveyInvitation.scheduled_for <= now)
        .order_by(SurveyInvitation.scheduled_for).limit(limit).with_for_update(skip_locked=True)))
    for invitation in rows:
        token = secrets.token_urlsafe(24)
        invitation.token_hash = hashlib.sha256(token.encode()).hexdigest()
        invitation.status, invitation.sent_at = I.SENT, now
        invitation.expires_at = now + timedelta(days=invitation.expire_after_days)
        template = messages.BODY_REVISIT if invitation.kind == "revisit" else messages.BODY_INVITE
        what = subject_title(session, invitation)
        notify(session, citizen_id=invitation.citizen_id, kind="survey_invitation",
               context={"what": what, "deadline": chinese_date(invitation.expires_at), "tip": messages.TIP_INVITE},
               title=messages.TITLE_INVITE, body=template.format(what=what, days=invitation.expire_after_days),
               page=PAGE.format(token=token), now=now, subject=("survey_invitation", invitation.id),
               dedupe_key=f"survey:{invitation.id}:invite")
    session.flush()
    return len(rows)


def remind_and_expire(session: Session, now: datetime) -> tuple[int, int]:
    """One reminder, only while unanswered; then expiry. Safe to run any number of times."""
    due = list(session.scalars(select(SurveyInvitation).where(
        SurveyInvitation.status == I.SENT,
        SurveyInvitation.sent_at <= now - func.make_interval(0, 0, 0, SurveyInvitation.reminder_after_days),
        SurveyInvitation.expires_at > now).limit(1000).with_for_update(skip_locked=True)))
    for invitation in due:
        page = session.scalar(select(Notification.page).where(
            Notification.dedupe_key == f"survey:{invitation.id}:invite"))
        invitation.status, invitation.reminded_at = I.REMINDED, now
        what = subject_title(session, invitation)
        notify(session, citizen_id=invitation.citizen_id, kind="survey_invitation",
               context={"what": what, "deadline": chinese_date(invitation.expires_at), "tip": messages.TIP_REMIND},
               title=messages.TITLE_REMIND,
               body=messages.BODY_REMIND.format(what=what, expires=chinese_date(invitation.expires_at)), page=page,
               now=now, subject=("survey_invitation", invitation.id), dedupe_key=f"survey:{invitation.id}:remind")
    expired = session.execute(update(SurveyInvitation).where(
        SurveyInvitation.status.in_([I.SENT, I.REMINDED]), SurveyInvitation.expires_at <= now)
        .values(status=I.EXPIRED)).rowcount or 0
    session.flush()
    return len(due), expired


# --- answering ------------------------------------------------------------------------------------------


def _by_token(session: Session, citizen_id: int, token: str, now: datetime, *, lock: bool = False):
    statement = select(SurveyInvitation).where(
        SurveyInvitation.token_hash == hashlib.sha256(token.encode()).hexdigest(),
        SurveyInvitation.citizen_id == citizen_id)
    if lock:
        statement = statement.with_for_update()
    invitation = session.scalars(statement).one_or_none()
    if invitation is None or invitation.status in (I.SCHEDULED, I.SKIPPED):
        raise NotFound(messages.SURVEY_NOT_FOUND, code=SURVEY_NOT_FOUND)
    if invitation.status == I.ANSWERED:
        raise DomainError(messages.ALREADY_ANSWERED, code=ALREADY_ANSWERED, status=409)
    if invitation.status == I.EXPIRED or (invitation.expires_at and invitation.expires_at <= now):
        raise DomainError(messages.SURVEY_EXPIRED, code=SURVEY_EXPIRED, status=410)
    return invitation


def open_invitation(session: Session, citizen_id: int, token: str, now: datetime) -> SurveyInvitation:
    """Only the invitee, only while it is open: anyone else's token is simply not found."""
    return _by_token(session, citizen_id, token, now)


def _check(question: dict, value: Any) -> str | None:
    kind = question["kind"]
    if value is None or value == "" or value == []:
        return messages.REQUIRED if question.get("required") else None
    if kind == "single" and value not in question["options"]:
        return messages.CHOOSE_ONE
    if kind == "multiple" and (not isinstance(value, list) or any(v not in question["options"] for v in value)
                               or len(set(value)) != len(value)):
        return messages.CHOOSE_SOME
    if kind == "scale" and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5):
        return messages.SCALE
    if kind == "yes_no" and not isinstance(value, bool):
        return messages.YES_NO
    if kind == "text":
        limit = question.get("max_length", 500)
        if not isinstance(value, str) or len(value) > limit:
            return messages.TEXT_TOO_LONG.format(limit=limit)
    return None


def validate_answers(questions: list[dict], answers: dict[str, Any]) -> dict[str, Any]:
    keys = {q["key"] for q in questions}
    errors = {f"answers.{key}": messages.UNKNOWN_QUESTION for key in answers if key not in keys}
    for question in questions:
        problem = _check(question, answers.get(question["key"]))
        if problem:
            errors[f"answers.{question['key']}"] = problem
    if errors:
        raise DomainError(messages.ANSWERS_INVALID, code=VALIDATION_FAILED, status=422, fields=errors)
    return {q["key"]: answers[q["key"]] for q in questions if answers.get(q["key"]) not in (None, "", [])}


def submit(session: Session, citizen_id: int, token: str, answers: dict[str, Any], now: datetime) -> SurveyAnswer:
    invitation = _by_token(session, citizen_id, token, now, lock=True)
    questions = invitation.survey.questions
    clean = validate_answers(questions, answers)
    roles = {q.get("role"): q["key"] for q in questions if q.get("role")}
    fixed = clean.get(roles["fixed"]) if "fixed" in roles else None
    scores = [clean[q["key"]] for q in questions if q["kind"] == "scale" and q["key"] in clean]
    answer = SurveyAnswer(invitation_id=invitation.id, survey_id=invitation.survey_id, answers=clean, fixed=fixed,
                          lowest_score=min(scores) if scores else None)
    session.add(answer)
    invitation.status, invitation.answered_at = I.ANSWERED, now
    session.flush()
    unhappy = fixed is False or (answer.lowest_score is not None and answer.lowest_score <= 2)
    if invitation.subject_type == "rectification":
        rectification = session.get(Rectification, invitation.subject_id, with_for_update=True)
        if rectification is not None and rectification.status == RectificationStatus.FIXED:
            rectifications.revisit(session, rectification, satisfied=not unhappy, note=clean.get("comment"),
                                   actor=f"citizen:{citizen_id}", now=now)
    elif unhappy and invitation.centre_id is not None:
        what = subject_title(session, invitation)
        rectifications.open_rectification(
            session, source=("survey_answer", answer.id), citizen_id=citizen_id, centre_id=invitation.centre_id,
            window_id=None, item_id=invitation.item_id, staff_id=None,
            summary=messages.REVISIT_SUMMARY.format(what=what) + (
                messages.REVISIT_NOT_FIXED if fixed is False else messages.REVISIT_SCORE.format(score=answer.lowest_score))
                    + (f"（{clean['comment']}）" if clean.get("comment") else ""),
            level_name=messages.REVISIT_UNHAPPY, now=now)
    session.flush()
    return answer
