"""Cross-domain records: idempotent responses, the audit log and domain events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, SmallInteger, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class IdempotencyRecord(Base):
    """The first answer to a POST with an Idempotency-Key; a retry gets it back."""

    __tablename__ = "idempotency_record"

    citizen_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(80))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(SmallInteger)
    body: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[CreatedAt]


class AuditLog(Base):
    """Who did what to whom: staff actions on people's records and views of personal data."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id"),
                      Index("brin_audit_created", "created_at", postgresql_using="brin"))

    id: Mapped[IntPK]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[CreatedAt]


class DomainEvent(Base):
    """Something that happened that other domains react to (an application 办结 → rating request, survey).

    Written in the transaction of the change; consumers run later, each at most once
    per event (EventDelivery), so the publisher never imports its consumers.
    """

    __tablename__ = "domain_event"
    __table_args__ = (Index("ix_domain_event_undispatched", "created_at",
                            postgresql_where=text("dispatched_at IS NULL")),)

    id: Mapped[IntPK]
    kind: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[CreatedAt]
    dispatched_at: Mapped[UtcDateTime | None]


class EventDelivery(Base):
    """One consumer has handled one event; inserted in the consumer's own transaction."""

    __tablename__ = "event_delivery"

    event_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("domain_event.id", ondelete="CASCADE"),
                                          primary_key=True)
    consumer: Mapped[str] = mapped_column(String(120), primary_key=True)
    handled_at: Mapped[CreatedAt]
