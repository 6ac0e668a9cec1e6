from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.centres.models import Centre
from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class FeedbackKind(StrEnum):
    COMPLAINT = "complaint"         # 投诉
    SUGGESTION = "suggestion"       # 建议
    CONSULTATION = "consultation"   # 咨询
    PRAISE = "praise"               # 表扬
    REPORT = "report"               # 举报


class FeedbackStatus(StrEnum):
    SUBMITTED = "submitted"         # 居民点单: with a centre, or in the triage queue
    ASSIGNED = "assigned"           # 干部接单
    IN_PROGRESS = "in_progress"     # 办理
    ANSWERED = "answered"           # 答复: waiting for the citizen's rating (群众评单)
    REOPENED = "reopened"           # rated unsatisfied: back to the same team
    CLOSED = "closed"


OPEN_STATUSES = (FeedbackStatus.SUBMITTED, FeedbackStatus.ASSIGNED, FeedbackStatus.IN_PROGRESS,
                 FeedbackStatus.REOPENED)


class ContentCheck(StrEnum):
    PASS = "pass"
    REVIEW = "review"           # WeChat was unsure: staff see it, flagged
    UNCHECKED = "unchecked"     # WeChat unreachable at filing: hidden from staff until a job checks it
    RISKY = "risky"             # found risky on the late check: never shown to staff


class Feedback(Base):
    """诉求: a complaint, suggestion, consultation, praise or report, and its closed loop."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("kind IN ('complaint', 'suggestion', 'consultation', 'praise', 'report')", name="kind_known"),
        CheckConstraint("status IN ('submitted', 'assigned', 'in_progress', 'answered', 'reopened', 'closed')",
                        name="status_known"),
        CheckConstraint("content_check IN ('pass', 'review', 'unchecked', 'risky')", name="content_check_known"),
        Index("ix_feedback_inbox", "centre_id", "status", "due_on"),
        Index("ix_feedback_open_due", "due_on", postgresql_where=text(
            "status IN ('submitted', 'assigned', 'in_progress', 'reopened')")),
    )

    id: Mapped[IntPK]
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    centre_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    window_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("service_window.id", ondelete="SET NULL"))
    item_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="SET NULL"))
    appointment_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("appointment.id", ondelete="SET NULL"))
    application_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("application.id", ondelete="SET NULL"))
    location: Mapped[str | None] = mapped_column(String(100))
    photos: Mapped[list[int]] = mapped_column(JSONB, default=list)   # stored_file ids
    contact_ok: Mapped[bool] = mapped_column(default=False)
    anonymous: Mapped[bool] = mapped_column(default=False)      # hidden from staff; the system still knows
    content_check: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default=FeedbackStatus.SUBMITTED)
    assignee_staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    sla_days: Mapped[int] = mapped_column(SmallInteger)
    due_on: Mapped[date] = mapped_column(Date)
    remind_on: Mapped[date] = mapped_column(Date)                # half the SLA: 催办
    reminded_at: Mapped[UtcDateTime | None]
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)   # 1: 督办 centre, 2: level above
    escalate_again_on: Mapped[date | None] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[UtcDateTime | None]
    answered_by_staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    reopen_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    closed_at: Mapped[UtcDateTime | None]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UtcDateTime]

    events: Mapped[list[FeedbackEvent]] = relationship(order_by="FeedbackEvent.id")
    centre: Mapped[Centre | None] = relationship()   # the centre the citizen chose (or staff routed it to)

    @property
    def visible_to_staff(self) -> bool:
        return self.content_check in (ContentCheck.PASS, ContentCheck.REVIEW)


class FeedbackEvent(Base):
    __tablename__ = "feedback_event"

    id: Mapped[IntPK]
    feedback_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    at: Mapped[UtcDateTime]
    actor: Mapped[str] = mapped_column(String(40))
    actor_name: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(12))
    visible_to_citizen: Mapped[bool] = mapped_column(default=True)
    public_note: Mapped[str | None] = mapped_column(String(1000))
    internal_note: Mapped[str | None] = mapped_column(String(500))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class FeedbackSla(Base):
    """Working days to answer, per kind; an admin's change applies to feedback filed afterwards."""

    __tablename__ = "feedback_sla"
    __table_args__ = (CheckConstraint("working_days BETWEEN 1 AND 60", name="days_range"),)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    working_days: Mapped[int] = mapped_column(SmallInteger)
