"""Cross-domain records: idempotent responses, the audit log and domain events."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, SmallInteger, String, Text, text
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
    """Who did what to whom: staff actions on people's records and views of personal data.

    Rows are written only through `platform.audit.record`, which chains each to the one before
    (`prev_digest` → `digest`, "<algorithm>:<hex>"); a row with no digest was not written by the application.
    A trigger (migration 0025) refuses UPDATE (but the redaction of a person's identifiers) and DELETE of rows
    younger than 180 days.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id"),
                      Index("ix_audit_actor", "actor"),
                      Index("brin_audit_created", "created_at", postgresql_using="brin"))

    id: Mapped[IntPK]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[CreatedAt]
    prev_digest: Mapped[str | None] = mapped_column(String(100))
    digest: Mapped[str | None] = mapped_column(String(100))


class AuditDaySeal(Base):
    """The chain's head at the end of one Asia/Shanghai day, signed with the system key (KeyRing.seal).

    `last_id` is the day's last chained row and `digest` its digest: the seal vouches for the whole chain up
    to that row, so rewriting the chain (even recomputing every digest) is caught, and a retention prune may
    remove the rows up to it without breaking verification."""

    __tablename__ = "audit_day_seal"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[str] = mapped_column(String(100))
    seal: Mapped[str] = mapped_column(Text)
    sealed_at: Mapped[UtcDateTime]


class AuditCheck(Base):
    """One run of the chain's verification (the nightly job or `banshi audit verify`), for the console."""

    __tablename__ = "audit_check"

    id: Mapped[IntPK]
    checked_at: Mapped[UtcDateTime] = mapped_column(index=True)
    intact: Mapped[bool]
    rows: Mapped[int]
    first_break: Mapped[str | None] = mapped_column(Text)
    break_row_id: Mapped[int | None] = mapped_column(BigInteger)


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
