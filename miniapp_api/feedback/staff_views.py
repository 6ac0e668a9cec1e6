"""Staff API for feedback: the inbox by SLA due date, 接单/指派, 办理, 答复, internal notes, triage."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import PHONE_CONTEXT
from miniapp_api.feedback import messages, services
from miniapp_api.feedback.models import FeedbackSla
from miniapp_api.feedback.schemas import (
    AnswerIn,
    AssignIn,
    FeedbackList,
    FeedbackOut,
    FeedbackPath,
    InboxQuery,
    NoteIn,
    RouteIn,
    SlaIn,
    SlaPath,
    StaffFeedbackOut,
)
from miniapp_api.platform.auth import STAFF_BEARER, field_cipher, staff_required
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.privacy import mask_phone
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.staff import permissions
from miniapp_api.staff.guards import staff_role
from miniapp_api.staff.services import audit, require_role

# Who handles feedback; window staff and others answer 404 here as in the console.
FEEDBACK_ROLES = permissions.FEEDBACK
bp = APIBlueprint("staff_feedback", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="诉求办理（工作人员）", description="Feedback inbox, answers and escalation")])


def staff_document(feedback) -> dict:
    """The staff view; who filed it is shown unless they chose anonymity, and the look is audit-logged."""
    citizen = db.session.get(Citizen, feedback.citizen_id)
    phone = None
    if not feedback.anonymous and feedback.contact_ok and citizen.phone_enc:
        phone = mask_phone(field_cipher().decrypt(citizen.phone_enc, context=PHONE_CONTEXT))
    if not feedback.anonymous:
        audit(db.session, g.staff, "view_feedback", "feedback", feedback.id)
    return FeedbackOut.of(feedback, today(), staff_view=True,
                          filed_by=messages.FILED_ANONYMOUSLY if feedback.anonymous else (citizen.real_name or messages.WECHAT_USER),
                          phone_masked=phone, contact_ok=feedback.contact_ok and not feedback.anonymous,
                          location=feedback.location, content_check=feedback.content_check,
                          escalation_level=feedback.escalation_level, assignee_staff_id=feedback.assignee_staff_id)


def _act(feedback_id: int, action) -> dict:
    require_role(g.staff, *FEEDBACK_ROLES)
    feedback = services.staff_feedback(db.session, g.staff, feedback_id, lock=True)
    action(feedback)
    db.session.flush()
    return staff_document(feedback)


@bp.get("/feedback", responses={200: FeedbackList}, security=STAFF_BEARER)
@staff_role(*FEEDBACK_ROLES)
def inbox(query: InboxQuery):
    """Open feedback of the caller's centres, soonest due first."""
    rows = services.staff_inbox(db.session, g.staff, status=query.status.value if query.status else None,
                                triage=query.triage, mine=query.mine, limit=query.limit)
    day = today()
    return {"feedback": [FeedbackOut.of(f, day) for f in rows]}


@bp.get("/feedback/<int:feedback_id>", responses={200: StaffFeedbackOut}, security=STAFF_BEARER)
@staff_required
def show(path: FeedbackPath):
    return _act(path.feedback_id, lambda feedback: None)


@bp.post("/feedback/<int:feedback_id>/route", responses={200: StaffFeedbackOut}, security=STAFF_BEARER)
@staff_required
def route(path: FeedbackPath, body: RouteIn):
    """Triage: send feedback that names no centre to the one it concerns (admins)."""
    return _act(path.feedback_id, lambda f: services.route(db.session, g.staff, f, body.centre_id, utcnow()))


@bp.post("/feedback/<int:feedback_id>/assign", responses={200: StaffFeedbackOut}, security=STAFF_BEARER)
@staff_required
def assign(path: FeedbackPath, body: AssignIn):
    """干部接单: claim it (no staff_id) or assign it to a handler of its centre (managers and supervisors)."""
    if body.staff_id not in (None, g.staff.id):
        require_role(g.staff, *permissions.FEEDBACK_REASSIGN)
    return _act(path.feedback_id,
                lambda f: services.assign(db.session, g.staff, f, body.staff_id or g.staff.id, utcnow()))


@bp.post("/feedback/<int:feedback_id>/start", responses={200: StaffFeedbackOut}, security=STAFF_BEARER)
@staff_required
def start(path: FeedbackPath):
    return _act(path.feedback_id, lambda f: services.start(g.staff, f, utcnow()))


@bp.post("/feedback/<int:feedback_id>/answer", responses={200: StaffFeedbackOut}, security=STAFF_BEARER)
@staff_required
def answer(path: FeedbackPath, body: AnswerIn):
    """答复: the citizen reads it and rates it; internal notes stay here."""
    return _act(path.feedback_id,
                lambda f: services.answer(db.session, g.staff, f, body.answer, body.internal_note, utcnow()))


@bp.post("/feedback/<int:feedback_id>/notes", responses={200: StaffFeedbackOut}, security=STAFF_BEARER)
@staff_required
def add_note(path: FeedbackPath, body: NoteIn):
    return _act(path.feedback_id, lambda f: services.add_note(g.staff, f, body.internal_note, utcnow()))


@bp.put("/feedback-sla/<kind>", responses={200: SlaIn}, security=STAFF_BEARER)
@staff_role(*permissions.FEEDBACK_SLA)
def set_sla(path: SlaPath, body: SlaIn):
    """Working days to answer one kind of feedback (admins); applies to feedback filed from now on."""
    db.session.merge(FeedbackSla(kind=path.kind.value, working_days=body.working_days))
    audit(db.session, g.staff, "set_feedback_sla", "feedback_sla", path.kind.value, working_days=body.working_days)
    return {"working_days": body.working_days}
