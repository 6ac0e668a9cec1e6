from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from miniapp_api.feedback import messages
from miniapp_api.feedback.models import Feedback, FeedbackKind, FeedbackStatus
from miniapp_api.feedback.services import FeedbackIn
from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn

PhotoId = Id


class FeedbackPath(BaseModel):
    feedback_id: Id


class FileFeedbackIn(StrictIn):
    kind: FeedbackKind = Field(description="complaint 投诉, suggestion 建议, consultation 咨询, praise 表扬, report 举报")
    text: str = Field(min_length=5, max_length=1000)
    centre_id: Id | None = None
    item_code: str | None = Field(default=None, max_length=32)
    window_id: Id | None = None
    appointment_id: Id | None = None
    application_ref: str | None = Field(default=None, max_length=20)
    location: str | None = Field(default=None, max_length=100)
    photos: list[PhotoId] = Field(default_factory=list, max_length=6,
                                  description="ids of images uploaded with POST /files (purpose feedback)")
    contact_ok: bool = Field(default=False, description="staff may call the citizen back")
    anonymous: bool = Field(default=False, description="hide who filed it from staff (the system still knows)")

    def to_input(self) -> FeedbackIn:
        return FeedbackIn(**self.model_dump())


class FeedbackEventOut(BaseModel):
    at: str
    kind: str
    title: str
    note: str | None
    internal_note: str | None = Field(default=None, description="staff view only")
    by: str | None = Field(default=None, description="staff view only")


class FeedbackOut(BaseModel):
    id: int
    kind: str
    kind_name: str
    text: str
    status: str
    status_name: str
    centre_id: int | None
    centre_name: str | None = Field(description="the centre the citizen chose, or staff routed it to")
    due_on: dt.date
    overdue: bool
    answer: str | None
    answered_at: str | None
    reopen_count: int
    can_rate: bool
    created_at: str
    photos: list[int] = Field(description="file ids: GET /files/{id} (staff: /api/staff/v1/files/{id}) gives a link")
    timeline: list[FeedbackEventOut]

    @classmethod
    def of(cls, feedback: Feedback, today: dt.date, *, staff_view: bool = False, **extra) -> dict:
        events = [e for e in feedback.events if staff_view or e.visible_to_citizen]
        titles = messages.STAFF_EVENT_NAMES if staff_view else messages.EVENT_NAMES
        return cls(
            id=feedback.id, kind=feedback.kind, kind_name=messages.KIND_NAMES[feedback.kind], text=feedback.text,
            status=feedback.status, status_name=messages.STATUS_NAMES[feedback.status],
            centre_id=feedback.centre_id, centre_name=feedback.centre.name if feedback.centre else None,
            due_on=feedback.due_on,
            overdue=feedback.status not in ("answered", "closed") and feedback.due_on < today,
            answer=feedback.answer, answered_at=local_iso(feedback.answered_at), reopen_count=feedback.reopen_count,
            can_rate=feedback.status == FeedbackStatus.ANSWERED, created_at=local_iso(feedback.created_at),
            photos=[int(p) for p in feedback.photos or []],
            timeline=[FeedbackEventOut(at=local_iso(e.at), kind=e.kind, title=titles.get(e.kind, e.kind),
                                       note=e.public_note, internal_note=e.internal_note if staff_view else None,
                                       by=e.actor_name if staff_view else None) for e in events],
        ).model_dump(mode="json") | extra


class FeedbackList(BaseModel):
    feedback: list[FeedbackOut]


class StaffFeedbackOut(FeedbackOut):
    filed_by: str = Field(description="the citizen's name, or 匿名 when they chose to stay anonymous")
    phone_masked: str | None = Field(description="only when the citizen agreed to be called back")
    contact_ok: bool = Field(description="the citizen agreed to be called back (同意回电)")
    location: str | None = Field(description="where the citizen says it happened, as typed (content-checked)")
    content_check: str
    escalation_level: int
    assignee_staff_id: int | None


class InboxQuery(QueryModel):
    model_config = ConfigDict(extra="forbid")
    status: FeedbackStatus | None = None
    triage: bool = Field(default=False, description="not yet placed at a centre (admins)")
    mine: bool = False
    limit: int = Field(default=50, ge=1, le=200)


class RouteIn(StrictIn):
    centre_id: Id


class AssignIn(StrictIn):
    staff_id: Id | None = Field(default=None, description="omit to claim it yourself")


class AnswerIn(StrictIn):
    answer: str = Field(min_length=2, max_length=1000)
    internal_note: str | None = Field(default=None, max_length=500)


class NoteIn(StrictIn):
    internal_note: str = Field(min_length=1, max_length=500)


class SlaIn(StrictIn):
    working_days: int = Field(ge=1, le=60)


class SlaPath(BaseModel):
    kind: FeedbackKind
