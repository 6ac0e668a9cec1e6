from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ColumnElement, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class BusinessKind(StrEnum):
    ENTERPRISE = "enterprise"
    INDIVIDUAL = "individual"     # 个体工商户


# An agent link confirmed at a counter lasts this long unless renewed (confirmed again) or ended earlier.
AGENT_TERM = timedelta(days=365)


class LinkRole(StrEnum):
    REPRESENTATIVE = "representative"   # 法定代表人 (经营者 of a 个体工商户)
    AGENT = "agent"                     # 经办人, confirmed at a counter


class Business(Base):
    """A market entity (市场主体) as the registry knows it, keyed by its 统一社会信用代码 (GB 32100).

    The legal representative is known by the keyed hash of their ID number only: the link to a citizen is
    made when a face-verified citizen has that identity (or when staff confirm an agent at a counter)."""

    __tablename__ = "business"
    __table_args__ = (
        CheckConstraint("kind IN ('enterprise', 'individual')", name="kind_known"),
        CheckConstraint("size_class IN ('large', 'medium', 'small', 'micro')", name="size_known"),
        Index("ix_business_representative", "representative_id_hash"),
    )

    id: Mapped[IntPK]
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))
    industry_code: Mapped[str] = mapped_column(String(5))       # GB/T 4754: a letter and up to four digits
    size_class: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(6))              # administrative division code (GB/T 2260)
    registered_on: Mapped[date] = mapped_column(Date)
    employees: Mapped[int | None] = mapped_column(Integer)     # 从业人数, when the registry reports it
    representative_name: Mapped[str] = mapped_column(String(40))
    representative_id_hash: Mapped[str | None] = mapped_column(String(64))
    # The payout account on record (对公账户) for 免申即享 grants: set by the representative or by staff,
    # never taken from whoever confirms a grant. The number is sealed like any personal number.
    payout_account_name: Mapped[str | None] = mapped_column(String(80))
    payout_bank: Mapped[str | None] = mapped_column(String(60))
    payout_account_enc: Mapped[str | None] = mapped_column(Text)
    payout_account_last4: Mapped[str | None] = mapped_column(String(4))
    payout_set_by: Mapped[str | None] = mapped_column(String(32))
    payout_set_at: Mapped[UtcDateTime | None]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UtcDateTime | None]


class BusinessLink(Base):
    """A verified citizen acting for a business: its representative (matched from the registry) or an agent
    (confirmed by staff at a counter). Only a link in force lets a citizen see or act for the business: not
    revoked, not past `expires_at` (agents: a year from confirmation, renewed by confirming again), and the
    citizen still face-verified (`link_in_force`). Who ended it and why is kept (`ended_by`, `end_reason`)."""

    __tablename__ = "business_link"
    __table_args__ = (
        CheckConstraint("role IN ('representative', 'agent')", name="role_known"),
        CheckConstraint("source IN ('registry', 'counter')", name="source_known"),
        Index("uq_business_link_live", "business_id", "citizen_id", unique=True,
              postgresql_where=text("revoked_at IS NULL")),
        Index("ix_business_link_citizen", "citizen_id"),
    )

    id: Mapped[IntPK]
    business_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("business.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[UtcDateTime | None]
    revoked_at: Mapped[UtcDateTime | None]
    ended_by: Mapped[str | None] = mapped_column(String(32))      # registry, representative, staff:<id>, account
    end_reason: Mapped[str | None] = mapped_column(String(200))

    business: Mapped[Business] = relationship()

    def in_force(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def link_in_force(now: datetime) -> ColumnElement[bool]:
    """A link that has not been ended and has not run out (the citizen's verification is checked by the caller's
    join: `authority.business_links`)."""
    return BusinessLink.revoked_at.is_(None) & (BusinessLink.expires_at.is_(None) | (BusinessLink.expires_at > now))
