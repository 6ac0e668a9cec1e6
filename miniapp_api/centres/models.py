from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    false,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.platform.db import Base, CreatedAt, IntPK


class CentreLevel(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    # 代办点: a desk in a village, a bank branch or a firm that takes 帮办 requests and materials for the centre
    # above it (parent_id); no windows, no bookings, no queue.
    SITE = "site"


class Audience(StrEnum):
    CITIZEN = "citizen"
    BUSINESS = "business"


class WindowKind(StrEnum):
    GENERAL = "general"        # 综合受理
    EXPRESS = "express"        # 高频快办
    COMPLAINTS = "complaints"  # 吐槽找茬
    PROXY = "proxy"            # 帮代办


# Queue ticket letters by window kind: A012 at the express counter, B034 at the general one.
TICKET_PREFIX = {WindowKind.EXPRESS: "A", WindowKind.GENERAL: "B", WindowKind.PROXY: "C", WindowKind.COMPLAINTS: "D"}


class Centre(Base):
    """A service hall; lower levels handle the same items with the same authority (同权办理).

    The booking policy lives on the centre, with the defaults of the booking issue.
    """

    __tablename__ = "centre"
    __table_args__ = (
        CheckConstraint("level IN ('city', 'district', 'street', 'community', 'site')", name="level_known"),
        CheckConstraint("level <> 'site' OR parent_id IS NOT NULL", name="site_has_parent"),
        CheckConstraint("booking_horizon_days BETWEEN 1 AND 90", name="horizon_range"),
        CheckConstraint("max_active_per_person >= 1", name="max_active_positive"),
        CheckConstraint("max_active_for_others >= 0", name="max_for_others_not_negative"),
    )

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(80), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"),
                                                  index=True)
    region: Mapped[str] = mapped_column(String(40))
    brand: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(40))
    booking_horizon_days: Mapped[int] = mapped_column(SmallInteger, default=7, server_default="7")
    min_notice_minutes: Mapped[int] = mapped_column(SmallInteger, default=30, server_default="30")
    cancel_cutoff_minutes: Mapped[int] = mapped_column(SmallInteger, default=60, server_default="60")
    max_active_per_person: Mapped[int] = mapped_column(SmallInteger, default=3, server_default="3")
    # 代预约 by name (someone's name and ID number typed, no authorisation): how many such active bookings
    # one account may hold; they count against the account, never against the person named. 0 = none.
    max_active_for_others: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="2")
    no_show_limit: Mapped[int] = mapped_column(SmallInteger, default=3, server_default="3")
    no_show_window_days: Mapped[int] = mapped_column(SmallInteger, default=90, server_default="90")
    suspension_days: Mapped[int] = mapped_column(SmallInteger, default=30, server_default="30")
    no_show_grace_minutes: Mapped[int] = mapped_column(SmallInteger, default=15, server_default="15")
    # Off everywhere by default: booking needs a face-verified identity. A hall whose walk-in
    # public must book without one (no smartphone camera, say) switches this on.
    allow_unverified_booking: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Check-in and walk-in tickets only at the hall: the call screens' rotating QR code, or (radius set) a
    # location within this many metres (appointments/presence.py).
    presence_check: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    checkin_radius_m: Mapped[int | None] = mapped_column(SmallInteger)
    # How long a freed seat is held for the next person on the waitlist (候补) before it passes on.
    waitlist_hold_minutes: Mapped[int] = mapped_column(SmallInteger, default=15, server_default="15")
    created_at: Mapped[CreatedAt]

    parent: Mapped[Centre | None] = relationship(remote_side="Centre.id")
    windows: Mapped[list[Window]] = relationship(back_populates="centre", order_by="Window.id")
    hours: Mapped[list[OpeningPeriod]] = relationship(order_by="(OpeningPeriod.weekday, OpeningPeriod.opens)",
                                                      cascade="all, delete-orphan")


class OpeningPeriod(Base):
    """One opening period on a weekday (0 = Monday). A lunch break is two periods; 延时服务 is a late one."""

    __tablename__ = "opening_period"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("opens < closes", name="opens_before_closes"),
    )

    id: Mapped[IntPK]
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)
    label: Mapped[str | None] = mapped_column(String(20))  # e.g. 延时服务


class CentreClosure(Base):
    """A centre (or some of its windows) closed on a day it would open, for the whole day or some hours
    (暂停服务: a storm, a power cut, a system upgrade). While it stands (not lifted) its slots carry its id and
    take no booking; the bookings it met were cancelled and their people told (appointments/closures.py)."""

    __tablename__ = "centre_closure"

    id: Mapped[IntPK]
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(100))
    # Local (Asia/Shanghai) times of day; both None: the whole day.
    from_time: Mapped[time | None] = mapped_column(Time)
    to_time: Mapped[time | None] = mapped_column(Time)
    # The windows closed; None: all of them.
    window_ids: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))
    created_by: Mapped[str] = mapped_column(String(80), default="system", server_default="system")
    created_at: Mapped[CreatedAt]
    cancelled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lifted_by: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (CheckConstraint("length(reason) > 0", name="reason_given"),
                      CheckConstraint("(from_time IS NULL) = (to_time IS NULL) AND "
                                      "(from_time IS NULL OR from_time < to_time)", name="hours_ordered"),
                      Index("ix_centre_closure_centre_day", "centre_id", "day"))

    @property
    def whole_day(self) -> bool:
        return self.from_time is None

    @property
    def all_windows(self) -> bool:
        return not self.window_ids


window_item = Table(
    "window_item", Base.metadata,
    Column("window_id", BigInteger, ForeignKey("service_window.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", BigInteger, ForeignKey("service_item.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Window(Base):
    """A counter group (窗口); `counters` people serve at once, so each slot seats that many."""

    __tablename__ = "service_window"
    __table_args__ = (
        CheckConstraint("kind IN ('general', 'express', 'complaints', 'proxy')", name="kind_known"),
        CheckConstraint("counters BETWEEN 1 AND 100", name="counters_range"),
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_minutes_range"),
    )

    id: Mapped[IntPK]
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    counters: Mapped[int] = mapped_column(SmallInteger)
    slot_minutes: Mapped[int] = mapped_column(SmallInteger, default=15, server_default="15")

    centre: Mapped[Centre] = relationship(back_populates="windows")
    items: Mapped[list[ServiceItem]] = relationship(secondary=window_item, order_by="ServiceItem.code")

    @property
    def ticket_prefix(self) -> str:
        return TICKET_PREFIX[WindowKind(self.kind)]


class ServiceItem(Base):
    """政务服务事项, with its plain-language guide (白话版办事指南) and materials checklist.

    guide: {what_you_get, who_can_apply, steps: [..], fee}
    materials: [{name, key: bool, form: original|copy|original_and_copy, count}]
    """

    __tablename__ = "service_item"
    __table_args__ = (
        CheckConstraint("audience IN ('citizen', 'business')", name="audience_known"),
        CheckConstraint("duration_minutes BETWEEN 5 AND 480", name="duration_range"),
    )

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    audience: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(40))
    high_frequency: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    pinyin_initials: Mapped[str] = mapped_column(String(80), default="", server_default="", index=True)
    duration_minutes: Mapped[int] = mapped_column(SmallInteger, default=15, server_default="15")
    time_limit_working_days: Mapped[int | None] = mapped_column(SmallInteger)
    guide: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    # Who keeps the guide up to date (智能导服): staff of this centre edit it in the console.
    owner_centre_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="SET NULL"))
    department: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[CreatedAt]


class CalendarOverride(Base):
    """An admin's word on a date, above chinese-calendar (new 调休 notices, local holidays, missing years)."""

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool]
    note: Mapped[str] = mapped_column(String(100))


class CalendarWarning(Base):
    """A date the calendar could not answer from data; shown to staff until an override exists."""

    __tablename__ = "calendar_warning"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    message: Mapped[str] = mapped_column(String(200))
    first_seen_at: Mapped[CreatedAt]




class CatalogueVersion(Base):
    """One row counting changes to what a booking reads as catalogue: centres, windows, the items a window
    serves, items, and slots' closure, capacity or times (triggers, migration 0032, bump it in the changing
    transaction). A booking reads it inside a statement it runs anyway, so a process's cached catalogue
    (appointments/catalogue.py) is known current without a round trip of its own."""

    __tablename__ = "catalogue_version"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
