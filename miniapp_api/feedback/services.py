"""Feedback (诉求): 居民点单 → 干部接单 → 办理 → 答复 → 群众评单, with working-day SLAs and 督办.

Text goes through WeChat's content check before any staff member can read it. A
"risky" verdict refuses the filing and stores nothing; when WeChat cannot be
reached the feedback is stored hidden from staff and a job checks it later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from rq import Retry
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from miniapp_api.applications.models import Application
from miniapp_api.appointments.models import Appointment
from miniapp_api.centres import calendar
from miniapp_api.centres.models import Centre, ServiceItem, Window
from miniapp_api.citizens.models import Citizen
from miniapp_api.feedback import messages
from miniapp_api.feedback.models import (
    OPEN_STATUSES,
    ContentCheck,
    Feedback,
    FeedbackEvent,
    FeedbackKind,
    FeedbackSla,
    FeedbackStatus,
)
from miniapp_api.files import services as files
from miniapp_api.notifications.services import notify
from miniapp_api.platform import events
from miniapp_api.platform.clock import chinese_date, local_date
from miniapp_api.platform.db import one_or_not_found
from miniapp_api.platform.errors import NOT_FOUND, DomainError, NotFound, require_state
from miniapp_api.platform.unit_of_work import enqueue_after_commit
from miniapp_api.staff.models import Role, Staff
from miniapp_api.staff.services import notice, staff_of_centre, visible_centre_ids
from miniapp_api.wechat import WeChatError, WeChatGateway

log = structlog.get_logger(__name__)
F = FeedbackStatus
FEEDBACK_NOT_FOUND = "feedback_not_found"
CONTENT_RISKY = "content_risky"
LINK_NOT_FOUND = "link_not_found"
ASSIGNEE_NOT_HANDLER = "assignee_not_handler"
CHECK_JOB = "miniapp_api.feedback.jobs.check_content"
# How long a citizen filing feedback waits for WeChat's content check; slower, the late check does it.
FILING_CHECK_SECONDS = 1.5
# Unchecked this long (WeChat's check never came back): staff review it by hand.
MANUAL_REVIEW_AFTER = timedelta(hours=24)
# Working days to answer (Guangdong's 12345 rules: 咨询 2, 建议/求助 10, 投诉/举报 15); praise is acknowledged in 5.
DEFAULT_SLA = {"consultation": 2, "suggestion": 10, "complaint": 15, "report": 15, "praise": 5}
ESCALATE_AGAIN_AFTER = 2          # working days after the first 督办 with still no answer
HANDLER_ROLES = (Role.FEEDBACK_HANDLER, Role.CENTRE_MANAGER, Role.WINDOW_STAFF)
SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.CENTRE_MANAGER)
PAGE = "pages/feedback/detail?id={id}"


def sla_days(session: Session, kind: str) -> int:
    configured = session.get(FeedbackSla, kind)
    return configured.working_days if configured else DEFAULT_SLA[kind]


def _event(feedback: Feedback, kind: str, now: datetime, *, actor: str = "system", actor_name: str | None = None,
           public_note: str | None = None, internal_note: str | None = None, visible: bool = True,
           **detail) -> None:
    feedback.events.append(FeedbackEvent(at=now, actor=actor, actor_name=actor_name, kind=kind,
                                         status=feedback.status, visible_to_citizen=visible,
                                         public_note=public_note, internal_note=internal_note, detail=detail))


def _staff_actor(staff: Staff) -> dict:
    return {"actor": f"staff:{staff.id}", "actor_name": staff.display_name}


def _tell(session: Session, feedback: Feedback, body: str, now: datetime) -> None:
    notify(session, citizen_id=feedback.citizen_id, kind="feedback_status",
           context={"kind": messages.KIND_NAMES[feedback.kind], "number": str(feedback.id),
                    "status": messages.STATUS_NAMES[feedback.status][:5], "tip": messages.TIP_PROGRESS},
           title=messages.TITLE, body=body, page=PAGE.format(id=feedback.id), now=now,
           subject=("feedback", feedback.id))


# --- filing ---------------------------------------------------------------------------------------------


@dataclass
class FeedbackIn:
    kind: FeedbackKind
    text: str
    centre_id: int | None = None
    item_code: str | None = None
    window_id: int | None = None
    appointment_id: int | None = None
    application_ref: str | None = None
    location: str | None = None
    photos: list[int] = field(default_factory=list)   # the citizen's uploaded images (files)
    contact_ok: bool = False
    anonymous: bool = False


def _link_error(what: str, field_name: str) -> DomainError:
    message = messages.LINK_NOT_FOUND.format(what=what)
    return DomainError(message, code=LINK_NOT_FOUND, status=422, fields={field_name: message})


def _resolve_links(session: Session, citizen_id: int, data: FeedbackIn) -> dict:
    """Where the feedback belongs: the most specific thing named decides the centre."""
    links: dict = {"centre_id": data.centre_id, "window_id": data.window_id, "item_id": None,
                   "appointment_id": None, "application_id": None}
    if data.centre_id is not None and session.get(Centre, data.centre_id) is None:
        raise _link_error(messages.LINK_CENTRE, "centre_id")
    if data.item_code:
        item_id = session.scalar(select(ServiceItem.id).where(ServiceItem.code == data.item_code))
        if item_id is None:
            raise _link_error(messages.LINK_ITEM, "item_code")
        links["item_id"] = item_id
    if data.window_id is not None:
        window = session.get(Window, data.window_id)
        if window is None:
            raise _link_error(messages.LINK_WINDOW, "window_id")
        links["centre_id"] = window.centre_id
    if data.appointment_id is not None:
        appointment = session.get(Appointment, data.appointment_id)
        if appointment is None or appointment.citizen_id != citizen_id:
            raise _link_error(messages.LINK_APPOINTMENT, "appointment_id")
        links.update(appointment_id=appointment.id, centre_id=appointment.centre_id,
                     window_id=appointment.window_id)
    if data.application_ref:
        application = session.scalars(select(Application).where(
            Application.reference == data.application_ref,
            (Application.citizen_id == citizen_id) | (Application.proxy_citizen_id == citizen_id))).one_or_none()
        if application is None:
            raise _link_error(messages.LINK_APPLICATION, "application_ref")
        links.update(application_id=application.id, centre_id=application.centre_id,
                     window_id=application.window_id or links["window_id"], item_id=application.item_id)
    return links


def content_verdict(gateway: WeChatGateway, openid: str, data: FeedbackIn) -> ContentCheck:
    """The check while the citizen waits, at most FILING_CHECK_SECONDS (else the late check does it); risky
    content is refused here. The view runs it before the filing's transaction begins (see views.py)."""
    try:
        verdict = gateway.check_text(openid, "\n".join(filter(None, (data.text, data.location))),
                                     timeout=FILING_CHECK_SECONDS)
    except WeChatError as exc:
        log.warning("feedback.content_check_unavailable", errcode=exc.errcode)
        return ContentCheck.UNCHECKED
    checked = {"pass": ContentCheck.PASS, "risky": ContentCheck.RISKY}.get(verdict.suggest, ContentCheck.REVIEW)
    if checked is ContentCheck.RISKY:
        raise DomainError(messages.CONTENT_RISKY, code=CONTENT_RISKY, status=422,
                          fields={"text": messages.CONTENT_RISKY})
    return checked


def file_feedback(session: Session, citizen: Citizen, data: FeedbackIn, verdict: ContentCheck,
                  now: datetime) -> Feedback:
    """File checked feedback (`verdict` from content_verdict)."""
    links = _resolve_links(session, citizen.id, data)
    today = local_date(now)
    days = sla_days(session, data.kind)
    feedback = Feedback(citizen_id=citizen.id, kind=data.kind, text=data.text, location=data.location,
                        photos=data.photos, contact_ok=data.contact_ok, anonymous=data.anonymous,
                        content_check=verdict, status=F.SUBMITTED, sla_days=days, created_at=now,
                        due_on=calendar.add_working_days(session, today, days),
                        remind_on=calendar.add_working_days(session, today, max(1, days // 2)),
                        updated_at=now, **links)
    session.add(feedback)
    session.flush()
    files.attach(session, citizen.id, data.photos, subject=("feedback", feedback.id), centre_id=feedback.centre_id,
                 field="photos", now=now)
    _event(feedback, "filed", now, actor=f"citizen:{citizen.id}", public_note=None)
    if verdict is ContentCheck.UNCHECKED:
        enqueue_after_commit(session, "default", CHECK_JOB, feedback.id, job_id=f"feedback-check-{feedback.id}",
                             retry=Retry(max=6, interval=[60, 300, 900, 3600, 3600, 3600]))
    _tell(session, feedback, messages.BODY_FILED.format(kind=messages.KIND_NAMES[feedback.kind], id=feedback.id,
                                                        due=chinese_date(feedback.due_on)), now)
    session.flush()
    return feedback


def recheck_content(session: Session, gateway: WeChatGateway, feedback_id: int, now: datetime) -> str:
    """The late content check; raises WeChatError (so the job retries) while WeChat stays unreachable."""
    feedback = session.get(Feedback, feedback_id, with_for_update=True)
    if feedback is None or feedback.content_check != ContentCheck.UNCHECKED:
        return feedback.content_check if feedback else "gone"
    citizen = session.get(Citizen, feedback.citizen_id)
    verdict = gateway.check_text(citizen.openid, "\n".join(filter(None, (feedback.text, feedback.location))))
    feedback.content_check = {"pass": ContentCheck.PASS, "risky": ContentCheck.RISKY}.get(
        verdict.suggest, ContentCheck.REVIEW)
    if feedback.content_check == ContentCheck.RISKY:
        feedback.status, feedback.closed_at = F.CLOSED, now
        _event(feedback, "closed", now, public_note=messages.CONTENT_RISKY)
    feedback.updated_at = now
    session.flush()
    return feedback.content_check


@dataclass
class UncheckedSweep:
    checked: int = 0
    to_manual_review: int = 0
    still_waiting: int = 0


def sweep_unchecked(session: Session, gateway: WeChatGateway, now: datetime, *, limit: int = 200) -> UncheckedSweep:
    """Feedback whose content check never ran (its retries spent, or its job lost with Redis) is checked
    again; after MANUAL_REVIEW_AFTER it goes to staff flagged for a manual check, so nothing stays hidden
    from staff and from the SLA sweep for good."""
    report = UncheckedSweep()
    rows = list(session.scalars(select(Feedback).where(Feedback.content_check == ContentCheck.UNCHECKED)
                                .order_by(Feedback.id).limit(limit).with_for_update(skip_locked=True)))
    wechat_down = False
    for feedback in rows:
        if feedback.created_at <= now - MANUAL_REVIEW_AFTER:
            feedback.content_check, feedback.updated_at = ContentCheck.REVIEW, now
            _event(feedback, "manual_review", now, internal_note=messages.MANUAL_REVIEW_NOTE, visible=False)
            report.to_manual_review += 1
            continue
        if wechat_down:
            report.still_waiting += 1
            continue
        try:
            recheck_content(session, gateway, feedback.id, now)
            report.checked += 1
        except WeChatError:
            wechat_down = True   # one refusal is enough for this round; the next round tries again
            report.still_waiting += 1
    session.flush()
    return report


# --- reading --------------------------------------------------------------------------------------------


def citizen_feedback(session: Session, citizen_id: int, feedback_id: int, *, lock: bool = False) -> Feedback:
    return _one(session, Feedback.citizen_id == citizen_id, feedback_id, lock)


def _one(session: Session, scope, feedback_id: int, lock: bool) -> Feedback:
    return one_or_not_found(session, select(Feedback).options(selectinload(Feedback.events)).where(
        Feedback.id == feedback_id, scope), NotFound(messages.FEEDBACK_NOT_FOUND, code=FEEDBACK_NOT_FOUND),
        lock=Feedback if lock else None)


def citizen_feedback_list(session: Session, citizen_id: int, limit: int = 50) -> list[Feedback]:
    return list(session.scalars(select(Feedback).where(Feedback.citizen_id == citizen_id)
                                .order_by(Feedback.id.desc()).limit(limit)))


def _staff_scope(session: Session, staff: Staff):
    """Staff see checked feedback of their centres; admins also see the triage queue (no centre)."""
    visible = Feedback.content_check.in_([ContentCheck.PASS, ContentCheck.REVIEW])
    centres = Feedback.centre_id.in_(visible_centre_ids(session, staff))
    if Role.ADMIN in staff.roles:
        return visible & (centres | Feedback.centre_id.is_(None))
    return visible & centres


def staff_feedback(session: Session, staff: Staff, feedback_id: int, *, lock: bool = False) -> Feedback:
    return _one(session, _staff_scope(session, staff), feedback_id, lock)


def staff_inbox(session: Session, staff: Staff, *, status: str | None, triage: bool, mine: bool,
                limit: int) -> list[Feedback]:
    """Soonest due first: the SLA decides the order of work."""
    statement = select(Feedback).where(_staff_scope(session, staff))
    if status:
        statement = statement.where(Feedback.status == status)
    else:
        statement = statement.where(Feedback.status.in_([s.value for s in (*OPEN_STATUSES, F.ANSWERED)]))
    if triage:
        statement = statement.where(Feedback.centre_id.is_(None))
    if mine:
        statement = statement.where(Feedback.assignee_staff_id == staff.id)
    return list(session.scalars(statement.order_by(Feedback.due_on, Feedback.id).limit(limit)))


# --- handling -------------------------------------------------------------------------------------------


def _require(feedback: Feedback, *allowed: FeedbackStatus) -> None:
    require_state(feedback.status, allowed, message=messages.ILLEGAL_STEP, names=messages.STATUS_NAMES)


def route(session: Session, staff: Staff, feedback: Feedback, centre_id: int, now: datetime) -> None:
    """Triage: an admin sends unplaced feedback to a centre."""
    if Role.ADMIN not in staff.roles:
        raise NotFound(messages.TRIAGE_ONLY_ADMIN, code=NOT_FOUND)
    _require(feedback, F.SUBMITTED)
    if session.get(Centre, centre_id) is None:
        raise _link_error(messages.LINK_CENTRE, "centre_id")
    feedback.centre_id, feedback.updated_at = centre_id, now
    files.move_attachments(session, ("feedback", feedback.id), centre_id)
    _event(feedback, "routed", now, **_staff_actor(staff))


def assign(session: Session, staff: Staff, feedback: Feedback, assignee_id: int, now: datetime) -> None:
    """接单: to oneself (claim) or to a handler of the feedback's centre."""
    _require(feedback, F.SUBMITTED, F.ASSIGNED, F.REOPENED)
    assignee = session.get(Staff, assignee_id)
    if (assignee is None or feedback.centre_id is None or not assignee.active
            or feedback.centre_id not in visible_centre_ids(session, assignee)):
        raise DomainError(messages.ASSIGNEE_NOT_HANDLER, code=ASSIGNEE_NOT_HANDLER, status=422,
                          fields={"staff_id": messages.ASSIGNEE_NOT_HANDLER})
    feedback.assignee_staff_id, feedback.status, feedback.updated_at = assignee.id, F.ASSIGNED, now
    _event(feedback, "assigned", now, **_staff_actor(staff), public_note=None,
           internal_note=messages.ASSIGNED_TO.format(name=assignee.display_name) if assignee.id != staff.id else None)


def start(staff: Staff, feedback: Feedback, now: datetime) -> None:
    _require(feedback, F.ASSIGNED)
    feedback.status, feedback.updated_at = F.IN_PROGRESS, now
    _event(feedback, "started", now, **_staff_actor(staff))


def answer(session: Session, staff: Staff, feedback: Feedback, text: str, internal_note: str | None,
           now: datetime) -> None:
    """答复: visible to the citizen, who then rates it; internal notes stay with staff."""
    _require(feedback, F.ASSIGNED, F.IN_PROGRESS)
    feedback.status, feedback.answer, feedback.answered_at = F.ANSWERED, text, now
    feedback.answered_by_staff_id, feedback.updated_at = staff.id, now
    _event(feedback, "answered", now, **_staff_actor(staff), public_note=text, internal_note=internal_note)
    _tell(session, feedback, messages.BODY_ANSWERED.format(kind=messages.KIND_NAMES[feedback.kind], id=feedback.id,
                                                           answer=text[:60]), now)


def add_note(staff: Staff, feedback: Feedback, note: str, now: datetime) -> None:
    _event(feedback, "note", now, **_staff_actor(staff), internal_note=note, visible=False)


# --- the citizen's rating of the answer (called by the ratings service) -----------------------------------


def close_satisfied(session: Session, feedback: Feedback, citizen_id: int, level_name: str, now: datetime) -> None:
    feedback.status, feedback.closed_at, feedback.updated_at = F.CLOSED, now, now
    _event(feedback, "rated", now, actor=f"citizen:{citizen_id}", public_note=level_name)
    events.publish(session, events.FEEDBACK_CLOSED, ("feedback", feedback.id), {
        "citizen_id": feedback.citizen_id, "centre_id": feedback.centre_id, "item_id": feedback.item_id,
        "kind": feedback.kind, "closed_at": now.isoformat()})


def reopen_unsatisfied(session: Session, feedback: Feedback, citizen_id: int, reason: str, now: datetime) -> None:
    """Back to the same team (assignee kept), counted, with a fresh SLA from today."""
    today = local_date(now)
    feedback.reopen_count += 1
    feedback.status = F.REOPENED if feedback.assignee_staff_id is None else F.ASSIGNED
    feedback.due_on = calendar.add_working_days(session, today, feedback.sla_days)
    feedback.remind_on = calendar.add_working_days(session, today, max(1, feedback.sla_days // 2))
    feedback.reminded_at, feedback.escalation_level, feedback.escalate_again_on = None, 0, None
    feedback.updated_at = now
    _event(feedback, "reopened", now, actor=f"citizen:{citizen_id}", public_note=reason,
           reopen_count=feedback.reopen_count)
    _tell(session, feedback, messages.BODY_REOPENED.format(id=feedback.id, due=chinese_date(feedback.due_on)), now)


# --- SLA sweep: 催办 at half time, 督办 when overdue, again to the level above ------------------------------


@dataclass
class SweepReport:
    reminded: int = 0
    escalated: int = 0
    escalated_up: int = 0


def sla_sweep(session: Session, now: datetime) -> SweepReport:
    """Safe to run any number of times: each step is recorded on the row before it can repeat."""
    today, report = local_date(now), SweepReport()
    rows = list(session.scalars(select(Feedback).where(
        Feedback.status.in_([s.value for s in OPEN_STATUSES]),
        Feedback.content_check.in_([ContentCheck.PASS, ContentCheck.REVIEW]),
        Feedback.remind_on <= today).order_by(Feedback.id).with_for_update(skip_locked=True).limit(5000)))
    for feedback in rows:
        kind, due = messages.KIND_NAMES[feedback.kind], chinese_date(feedback.due_on)
        subject = ("feedback", feedback.id)
        if feedback.reminded_at is None:
            handlers = ([feedback.assignee_staff_id] if feedback.assignee_staff_id else
                        [s.id for s in staff_of_centre(session, feedback.centre_id, *HANDLER_ROLES)]
                        if feedback.centre_id else [])
            notice(session, handlers, kind="remind", subject=subject,
                   text=messages.STAFF_REMIND.format(id=feedback.id, kind=kind, due=due),
                   dedupe=f"feedback:{feedback.id}:remind:{feedback.reopen_count}")
            feedback.reminded_at = now
            _event(feedback, "reminded", now, visible=False, internal_note=messages.HALF_TIME_REMINDED)
            report.reminded += 1
        if feedback.due_on < today and feedback.escalation_level == 0:
            supervisors = [s.id for s in staff_of_centre(session, feedback.centre_id, *SUPERVISOR_ROLES)] \
                if feedback.centre_id else []
            notice(session, supervisors, kind="escalate", subject=subject,
                   text=messages.STAFF_ESCALATE.format(id=feedback.id, kind=kind, due=due),
                   dedupe=f"feedback:{feedback.id}:escalate1:{feedback.reopen_count}")
            feedback.escalation_level = 1
            feedback.escalate_again_on = calendar.add_working_days(session, today, ESCALATE_AGAIN_AFTER)
            _event(feedback, "escalated", now, public_note=messages.ESCALATED_PUBLIC, level=1)
            report.escalated += 1
        elif (feedback.escalation_level == 1 and feedback.escalate_again_on is not None
              and feedback.escalate_again_on <= today):
            centre = session.get(Centre, feedback.centre_id) if feedback.centre_id else None
            upper = [s.id for s in staff_of_centre(session, centre.parent_id, *SUPERVISOR_ROLES)] \
                if centre is not None and centre.parent_id else []
            if not upper:
                upper = list(session.scalars(select(Staff.id).where(Staff.roles.any(Role.ADMIN),
                                                                    Staff.active.is_(True))))
            notice(session, upper, kind="escalate", subject=subject,
                   text=messages.STAFF_ESCALATE_UP.format(id=feedback.id, kind=kind),
                   dedupe=f"feedback:{feedback.id}:escalate2:{feedback.reopen_count}")
            feedback.escalation_level = 2
            _event(feedback, "escalated", now, visible=False, internal_note=messages.ESCALATED_TO_PARENT, level=2)
            report.escalated_up += 1
    session.flush()
    return report


def answer_hours_by_centre(session: Session) -> dict[int, float]:
    """Average hours from filing to the (latest) answer, per centre."""
    hours = func.avg(func.extract("epoch", Feedback.answered_at - Feedback.created_at) / 3600)
    return {centre: round(float(value), 1) for centre, value in session.execute(
        select(Feedback.centre_id, hours).where(Feedback.answered_at.isnot(None), Feedback.centre_id.isnot(None))
        .group_by(Feedback.centre_id))}
