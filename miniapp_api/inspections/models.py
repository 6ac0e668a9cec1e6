from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.applications.models import Application
from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class InspectorSlot(Base):
    """A time an inspector offers for remote inspections (their calendar); taken by at most one inspection."""

    __tablename__ = "inspector_slot"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
        Index("ix_inspector_slot_staff_time", "staff_id", "starts_at"),
    )

    id: Mapped[IntPK]
    staff_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="CASCADE"))
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="CASCADE"))
    starts_at: Mapped[UtcDateTime]
    ends_at: Mapped[UtcDateTime]
    created_at: Mapped[CreatedAt]


class Inspection(Base):
    """远程踏勘 of one case: the inspector, the slot, the city's video link, the applicant's evidence per checklist
    line (file ids), and the inspector's findings per line with the signed conclusion."""

    __tablename__ = "inspection"
    __table_args__ = (
        CheckConstraint("status IN ('scheduled', 'concluded')", name="status_known"),
        CheckConstraint("conclusion IS NULL OR conclusion IN ('pass', 'correction')", name="conclusion_known"),
        Index("uq_inspection_slot", "slot_id", unique=True),
        Index("uq_inspection_application", "application_id", unique=True),
        Index("ix_inspection_inspector", "inspector_staff_id", postgresql_where=text("status = 'scheduled'")),
    )

    id: Mapped[IntPK]
    application_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("application.id", ondelete="CASCADE"))
    inspector_staff_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="RESTRICT"))
    slot_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("inspector_slot.id", ondelete="RESTRICT"))
    video_link: Mapped[str | None] = mapped_column(String(300))
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    evidence: Mapped[dict[str, list[int]]] = mapped_column(JSONB, default=dict)
    findings: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    conclusion: Mapped[str | None] = mapped_column(String(10))
    signed_by: Mapped[str | None] = mapped_column(String(40))
    signed_at: Mapped[UtcDateTime | None]
    # The organisation's seal over services.signed_payload: `ed25519:<key id>:<base64 signature>`.
    signature: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[UtcDateTime]

    application: Mapped[Application] = relationship()
    slot: Mapped[InspectorSlot] = relationship()
