from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.centres.models import Centre, ServiceItem
from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class Licence(Base):
    """证照 held by a person or business: the source of 主动提醒 before it lapses.

    `next_reminder_on` is the day the next expiry reminder falls due (NULL when none is
    left): the daily sweep reads only rows whose day has come, through a partial index.
    """

    __tablename__ = "licence"
    __table_args__ = (
        UniqueConstraint("licence_type", "number", name="uq_licence_type_number"),
        CheckConstraint("holder_type IN ('person', 'business')", name="holder_type_known"),
        CheckConstraint("status IN ('valid', 'revoked')", name="status_known"),
        CheckConstraint("issued_on <= expires_on", name="issued_before_expiry"),
        Index("ix_licence_next_reminder", "next_reminder_on", postgresql_where=text("next_reminder_on IS NOT NULL")),
    )

    id: Mapped[IntPK]
    licence_type: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(60))
    holder_type: Mapped[str] = mapped_column(String(10))
    holder_name: Mapped[str] = mapped_column(String(80))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    # The person reminded: the holder, or a business's legal representative (keyed hash of the ID number).
    contact_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    issuing_centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    renewal_item_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="SET NULL"))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="valid")
    last_reminder_days: Mapped[int | None] = mapped_column(SmallInteger)   # 90, 30 or 7: the last stage sent
    next_reminder_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UtcDateTime | None]

    issuing_centre: Mapped[Centre] = relationship()
    renewal_item: Mapped[ServiceItem | None] = relationship()
