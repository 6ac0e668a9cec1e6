from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime

BAD_LEVELS = (1, 2)   # 差评


class Rating(Base):
    """好差评: one rating of one service, tied to where and by whom it was given. Never deleted.

    `round` is 0 except for feedback, whose answer can be rated again after a reopen (the latest counts).
    """

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "round", name="uq_rating_target_round"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        CheckConstraint("target_type IN ('appointment', 'application', 'bundle', 'feedback', 'assistance')",
                        name="target_known"),
        CheckConstraint("validity IN ('valid', 'invalidation_requested', 'invalid')", name="validity_known"),
        Index("ix_rating_centre_created", "centre_id", "created_at"),
    )

    id: Mapped[IntPK]
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="RESTRICT"), index=True)
    target_type: Mapped[str] = mapped_column(String(12))
    target_id: Mapped[int] = mapped_column(BigInteger)
    round: Mapped[int] = mapped_column(SmallInteger, default=0)
    level: Mapped[int] = mapped_column(SmallInteger)
    tags: Mapped[list[str]] = mapped_column(JSONB, default=list)
    comment: Mapped[str | None] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(12), default="miniapp")
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    window_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("service_window.id", ondelete="SET NULL"))
    item_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    validity: Mapped[str] = mapped_column(String(24), default="valid")
    invalidation: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)   # reason, evidence, who, decision
    created_at: Mapped[CreatedAt]

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class RectificationStatus(StrEnum):
    OPEN = "open"             # to verify (回访核实) and fix
    FIXED = "fixed"           # staff replied with what was done; waiting for the revisit
    REVISITED = "revisited"   # the citizen (or a revisit call) accepted the fix: closed
    INVALID = "invalid"       # the rating was found 误评/恶意 on an approved appeal


class Rectification(Base):
    """整改 of a 差评 (or of a survey's "not fixed"): verify, fix within the time limit, revisit until accepted."""

    __tablename__ = "rectification"
    __table_args__ = (
        UniqueConstraint("source_type", "source_id", name="uq_rectification_source"),
        CheckConstraint("status IN ('open', 'fixed', 'revisited', 'invalid')", name="status_known"),
        CheckConstraint("category IS NULL OR category IN ('立行立改', '限期整改', '解释说明')", name="category_known"),
        Index("ix_rectification_centre_status", "centre_id", "status"),
    )

    id: Mapped[IntPK]
    source_type: Mapped[str] = mapped_column(String(20))   # rating, survey_answer
    source_id: Mapped[int] = mapped_column(BigInteger)
    rating_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("rating.id", ondelete="RESTRICT"))
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="RESTRICT"), index=True)
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    window_id: Mapped[int | None] = mapped_column(BigInteger)
    item_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_id: Mapped[int | None] = mapped_column(BigInteger)
    rated_on: Mapped[date] = mapped_column(Date)            # the day of the bad rating: its statistics row
    summary: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default=RectificationStatus.OPEN)
    verify_due_on: Mapped[date] = mapped_column(Date)
    fix_due_on: Mapped[date] = mapped_column(Date)
    verified_at: Mapped[UtcDateTime | None]
    category: Mapped[str | None] = mapped_column(String(8))
    reply: Mapped[str | None] = mapped_column(Text)
    fixed_at: Mapped[UtcDateTime | None]
    revisits: Mapped[int] = mapped_column(SmallInteger, default=0)
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UtcDateTime]

    events: Mapped[list[RectificationEvent]] = relationship(order_by="RectificationEvent.id")


class RectificationEvent(Base):
    __tablename__ = "rectification_event"

    id: Mapped[IntPK]
    rectification_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("rectification.id", ondelete="CASCADE"),
                                                  index=True)
    at: Mapped[UtcDateTime]
    actor: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(1000))


class RatingDaily(Base):
    """Pre-aggregated counts per day × centre × window × item × staff (0 = none), kept in the rating's
    transaction, so statistics over millions of ratings read a few thousand rows."""

    __tablename__ = "rating_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    centre_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    window_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    staff_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    good: Mapped[int] = mapped_column(Integer, default=0)      # 非常满意, 满意, 基本满意
    bad: Mapped[int] = mapped_column(Integer, default=0)       # 差评
    rectified: Mapped[int] = mapped_column(Integer, default=0)  # 差评 whose fix is in (fixed or revisited)
    level_sum: Mapped[int] = mapped_column(Integer, default=0)
