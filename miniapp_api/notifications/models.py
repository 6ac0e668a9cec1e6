from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class PushStatus(StrEnum):
    """The WeChat push of a notification. The in-app copy exists whatever happens here."""

    PENDING = "pending"        # waiting for its time (deliver_after) or for a worker
    SENDING = "sending"        # claimed by one worker; never claimed twice
    SENT = "sent"
    FAILED = "failed"          # WeChat refused it for good (47003, 40037, ...) or retries ran out
    UNKNOWN = "unknown"        # a worker died mid-send: maybe delivered, so never resent
    SKIPPED = "skipped"        # no consent, consent refused (43101) or the daily cap: in-app only
    CANCELLED = "cancelled"    # its cause is gone (appointment cancelled or moved)


FINAL_STATUSES = (PushStatus.SENT, PushStatus.FAILED, PushStatus.UNKNOWN, PushStatus.SKIPPED, PushStatus.CANCELLED)


class Notification(Base):
    """One message to one citizen: an outbox row written in the transaction that caused it."""

    __tablename__ = "notification"
    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'skipped', 'cancelled')",
                        name="status_known"),
        UniqueConstraint("dedupe_key", name="uq_notification_dedupe_key"),
        Index("ix_notification_due", "deliver_after", postgresql_where=text("status = 'pending'")),
        Index("ix_notification_sending", "claimed_at", postgresql_where=text("status = 'sending'")),
        Index("ix_notification_citizen_visible", "citizen_id", "deliver_after"),
        Index("ix_notification_subject", "subject_type", "subject_id"),
        # The retention purge reads old rows by age; BRIN: tiny, and nothing for the booking's inserts to update.
        Index("brin_notification_created", "created_at", postgresql_using="brin"),
    )

    id: Mapped[IntPK]
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    # The cause's state this message was written for (e.g. the appointment's start), checked at send time.
    cause_marker: Mapped[str | None] = mapped_column(String(60))
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    page: Mapped[str | None] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=PushStatus.PENDING)
    deliver_after: Mapped[UtcDateTime]
    enqueued_at: Mapped[UtcDateTime | None]
    claimed_at: Mapped[UtcDateTime | None]
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    deferrals: Mapped[int] = mapped_column(SmallInteger, default=0)
    status_reason: Mapped[str | None] = mapped_column(String(200))
    wechat_msgid: Mapped[int | None] = mapped_column(BigInteger)
    # How it went out: 'wechat' (a subscribe message) or 'sms' (no consent, a verified phone: sms.py).
    channel: Mapped[str | None] = mapped_column(String(8))
    sms_serial: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[UtcDateTime | None]
    read_at: Mapped[UtcDateTime | None]
    created_at: Mapped[CreatedAt]


class ConsentKind(StrEnum):
    ONE_TIME = "one_time"
    LONG_TERM = "long_term"


class SubscriptionConsent(Base):
    """What wx.requestSubscribeMessage returned for one template: each one-time accept allows one push."""

    __tablename__ = "subscription_consent"
    __table_args__ = (
        UniqueConstraint("citizen_id", "template_id", name="uq_consent_citizen_template"),
        CheckConstraint("one_time_balance >= 0", name="balance_not_negative"),
        CheckConstraint("last_result IN ('accept', 'reject', 'ban', 'filter', 'refused_by_wechat')",
                        name="result_known"),
    )

    id: Mapped[IntPK]
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"))
    template_id: Mapped[str] = mapped_column(String(64))
    long_term: Mapped[bool] = mapped_column(default=False)
    one_time_balance: Mapped[int] = mapped_column(SmallInteger, default=0)
    last_result: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[UtcDateTime]


class SmsOptOut(Base):
    """A kind of message the citizen does not want by SMS (我的 → 短信提醒); WeChat and in-app are unaffected."""

    __tablename__ = "sms_opt_out"

    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[CreatedAt]
