from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class Survey(Base):
    """A versioned questionnaire. Editing a live survey publishes a new version; answers keep theirs.

    questions: [{key, kind: single|multiple|scale|yes_no|text, text, options?: [..], required: bool,
                 role?: "fixed" (the "问题解决了吗？" question) | "score" (a 1–5 satisfaction scale)}]
    """

    __tablename__ = "survey"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_survey_code_version"),)

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(60))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    live: Mapped[bool] = mapped_column(default=True)     # the version new invitations use
    created_at: Mapped[CreatedAt]


class InvitationRule(Base):
    """When to invite, as data: which trigger, after how long, how many (sampling), how often, for how long.

    The most specific active rule wins: item + centre, then item, then centre, then the default (both NULL).
    """

    __tablename__ = "invitation_rule"
    __table_args__ = (
        CheckConstraint("trigger IN ('application.completed', 'appointment.served', 'feedback.closed', "
                        "'rectification.fixed', 'monthly', 'audit')", name="trigger_known"),
        CheckConstraint("sample_rate > 0 AND sample_rate <= 1", name="sample_rate_range"),
    )

    id: Mapped[IntPK]
    trigger: Mapped[str] = mapped_column(String(30))
    survey_code: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="CASCADE"))
    centre_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="CASCADE"))
    delay_minutes: Mapped[int] = mapped_column(default=120)
    sample_rate: Mapped[float] = mapped_column(Float, default=1.0)
    contact_gap_days: Mapped[int] = mapped_column(SmallInteger, default=30)   # across all surveys
    reminder_after_days: Mapped[int] = mapped_column(SmallInteger, default=3)
    expire_after_days: Mapped[int] = mapped_column(SmallInteger, default=14)
    active: Mapped[bool] = mapped_column(default=True)


class InvitationStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENT = "sent"
    REMINDED = "reminded"
    ANSWERED = "answered"
    EXPIRED = "expired"
    SKIPPED = "skipped"     # not sampled, asked too recently, or already rated: kept so a repeat trigger is a no-op


class SurveyInvitation(Base):
    """One citizen asked one survey about one thing. `trigger_key` makes every trigger invite at most once."""

    __tablename__ = "survey_invitation"
    __table_args__ = (
        UniqueConstraint("trigger_key", name="uq_invitation_trigger_key"),
        UniqueConstraint("token_hash", name="uq_invitation_token_hash"),
        CheckConstraint("status IN ('scheduled', 'sent', 'reminded', 'answered', 'expired', 'skipped')",
                        name="status_known"),
        Index("ix_invitation_due", "scheduled_for", postgresql_where=text("status = 'scheduled'")),
        Index("ix_invitation_open", "sent_at", postgresql_where=text("status IN ('sent', 'reminded')")),
        Index("ix_invitation_citizen_recent", "citizen_id", "created_at"),
    )

    id: Mapped[IntPK]
    trigger_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))          # event, monthly, audit, revisit
    rule_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("invitation_rule.id", ondelete="SET NULL"))
    survey_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("survey.id", ondelete="RESTRICT"))
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    centre_id: Mapped[int | None] = mapped_column(BigInteger)
    item_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    skip_reason: Mapped[str | None] = mapped_column(String(20))
    token_hash: Mapped[str | None] = mapped_column(String(64))
    scheduled_for: Mapped[UtcDateTime]
    sent_at: Mapped[UtcDateTime | None]
    reminded_at: Mapped[UtcDateTime | None]
    expires_at: Mapped[UtcDateTime | None]
    answered_at: Mapped[UtcDateTime | None]
    reminder_after_days: Mapped[int] = mapped_column(SmallInteger)
    expire_after_days: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[CreatedAt]

    survey: Mapped[Survey] = relationship()


class SurveyAnswer(Base):
    __tablename__ = "survey_answer"

    id: Mapped[IntPK]
    invitation_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("survey_invitation.id", ondelete="CASCADE"),
                                               unique=True)
    survey_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("survey.id", ondelete="RESTRICT"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB)
    fixed: Mapped[bool | None]                 # the answer to the "问题解决了吗？" question, if asked
    lowest_score: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[CreatedAt]
