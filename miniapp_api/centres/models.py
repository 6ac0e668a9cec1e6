from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.extensions import Base
from miniapp_api.models import CreatedAt, IntPK


class CentreLevel(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"


class Audience(StrEnum):
    CITIZEN = "citizen"
    BUSINESS = "business"


class Centre(Base):
    """A service hall; lower levels handle the same items with the same authority (同权办理)."""

    __tablename__ = "centre"
    __table_args__ = (
        CheckConstraint("level IN ('city', 'district', 'street', 'community')", name="level_known"),
    )

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(80), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"),
                                                  index=True)
    region: Mapped[str] = mapped_column(String(40))
    brand: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]

    parent: Mapped[Centre | None] = relationship(remote_side="Centre.id")


class ServiceItem(Base):
    __tablename__ = "service_item"
    __table_args__ = (
        CheckConstraint("audience IN ('citizen', 'business')", name="audience_known"),
    )

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    audience: Mapped[str] = mapped_column(String(16))
    high_frequency: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
