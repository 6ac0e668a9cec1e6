from __future__ import annotations

from datetime import date, time
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.centres.models import Centre, ServiceItem, Window
from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    SERVING = "serving"
    SERVED = "served"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.SERVING)


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    SERVED = "served"
    MISSED = "missed"


class Slot(Base):
    """A bookable period at a window. The CHECK makes any overbooking bug fail loudly."""

    __tablename__ = "slot"
    __table_args__ = (
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        UniqueConstraint("window_id", "starts_at", name="uq_slot_window_start"),
        Index("ix_slot_centre_start", "centre_id", "starts_at"),
    )

    id: Mapped[IntPK]
    window_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("service_window.id", ondelete="CASCADE"))
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="CASCADE"))
    starts_at: Mapped[UtcDateTime]
    ends_at: Mapped[UtcDateTime]
    capacity: Mapped[int] = mapped_column(SmallInteger)
    booked: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # The closure (暂停服务) that stopped this slot's bookings; every seat-taking UPDATE asks for NULL.
    closure_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("centre_closure.id", ondelete="SET NULL"))

    window: Mapped[Window] = relationship()
    centre: Mapped[Centre] = relationship()

    @property
    def remaining(self) -> int:
        return self.capacity - self.booked


class Appointment(Base):
    """A booking of one or more consecutive slots at one window, for the account holder or someone else.

    person_hash is whom quotas and duplicate checks count: the verified person when they booked
    for themselves (or their authorised relative did), else a key of the booking account and the name it
    typed (`named:<account>:<hash>`), so a typed ID number never touches its owner's quota.
    accountable_hash is whom a no-show counts against: the person, or for a booking by name the account.
    named_id_hash is the typed ID number of a booking by name (代预约 without an authorisation): only so
    that the named person, once face-verified on their own account, sees it and can cancel it.
    """

    __tablename__ = "appointment"
    __mapper_args__ = {"eager_defaults": True}  # created_at comes back in the INSERT's RETURNING
    __table_args__ = (
        CheckConstraint("status IN ('booked', 'checked_in', 'serving', 'served', 'cancelled', 'no_show')",
                        name="status_known"),
        Index("ix_appointment_citizen_start", "citizen_id", "starts_at"),
        Index("ix_appointment_person_status", "person_hash", "status"),
        Index("ix_appointment_accountable_status", "accountable_hash", "status"),
        Index("ix_appointment_named", "named_id_hash", postgresql_where=text("named_id_hash IS NOT NULL")),
        Index("ix_appointment_booked_end", "ends_at", postgresql_where=text("status = 'booked'")),
        Index("brin_appointment_ends", "ends_at", postgresql_using="brin"),
    )

    id: Mapped[IntPK]
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="RESTRICT"))
    person_hash: Mapped[str] = mapped_column(String(64))
    person_name: Mapped[str] = mapped_column(String(40))
    accountable_hash: Mapped[str] = mapped_column(String(64))
    named_id_hash: Mapped[str | None] = mapped_column(String(64))
    # The authorisation (亲友代办) a relative booked under, if any.
    authorisation_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("relative_authorisation.id",
                                                                                ondelete="SET NULL"))
    proxy_id_number_enc: Mapped[str | None] = mapped_column(Text)
    proxy_phone_enc: Mapped[str | None] = mapped_column(Text)
    proxy_relation: Mapped[str | None] = mapped_column(String(20))
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    window_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("service_window.id", ondelete="RESTRICT"))
    service_date: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[UtcDateTime]
    ends_at: Mapped[UtcDateTime]
    status: Mapped[str] = mapped_column(String(16), default=AppointmentStatus.BOOKED)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    rescheduled_to_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("appointment.id"))
    checked_in_at: Mapped[UtcDateTime | None]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UtcDateTime | None]

    centre: Mapped[Centre] = relationship()
    window: Mapped[Window] = relationship()
    slots: Mapped[list[Slot]] = relationship(secondary="appointment_slot", order_by="Slot.starts_at")
    lines: Mapped[list[AppointmentItem]] = relationship(back_populates="appointment", cascade="all, delete-orphan",
                                                        order_by="AppointmentItem.item_id")
    ticket: Mapped[Ticket | None] = relationship(back_populates="appointment", uselist=False)

    @property
    def is_for_someone_else(self) -> bool:
        return self.proxy_relation is not None

    @property
    def is_by_name(self) -> bool:
        """Booked for someone by typing their name and ID number, without their authorisation."""
        return self.named_id_hash is not None


class AppointmentSlot(Base):
    __tablename__ = "appointment_slot"

    appointment_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("appointment.id", ondelete="CASCADE"),
                                                primary_key=True)
    slot_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("slot.id", ondelete="RESTRICT"), primary_key=True,
                                         index=True)


class AppointmentItem(Base):
    """One item of an appointment. `active` mirrors the appointment's status so that a partial
    unique index can forbid two active bookings of one item by one person on one day."""

    __tablename__ = "appointment_item"
    __table_args__ = (
        Index("uq_active_booking_per_person_item_day", "person_hash", "item_id", "service_date", unique=True,
              postgresql_where=text("active")),
    )

    appointment_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("appointment.id", ondelete="CASCADE"),
                                                primary_key=True)
    item_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="RESTRICT"),
                                         primary_key=True)
    person_hash: Mapped[str] = mapped_column(String(64))
    service_date: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)

    appointment: Mapped[Appointment] = relationship(back_populates="lines")
    item: Mapped[ServiceItem] = relationship()


class Ticket(Base):
    """A queue number (排队号) for a checked-in appointment or a walk-in."""

    __tablename__ = "ticket"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'called', 'serving', 'served', 'missed')", name="status_known"),
        UniqueConstraint("window_id", "service_date", "seq", name="uq_ticket_window_day_seq"),
        Index("ix_ticket_window_day_status", "window_id", "service_date", "status"),
    )

    id: Mapped[IntPK]
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    window_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("service_window.id", ondelete="RESTRICT"))
    item_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="RESTRICT"))
    appointment_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("appointment.id"), unique=True)
    citizen_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("citizen.id"))
    service_date: Mapped[date] = mapped_column(Date)
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.WAITING)
    call_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    called_at: Mapped[UtcDateTime | None]
    serving_started_at: Mapped[UtcDateTime | None]
    finished_at: Mapped[UtcDateTime | None]
    created_at: Mapped[UtcDateTime]

    appointment: Mapped[Appointment | None] = relationship(back_populates="ticket")
    window: Mapped[Window] = relationship()


class TicketCounter(Base):
    """The last ticket number given per window and day, advanced atomically by an upsert."""

    __tablename__ = "ticket_counter"

    window_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("service_window.id", ondelete="CASCADE"),
                                           primary_key=True)
    service_date: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int]


class BookingSuspension(Base):
    """Booking suspended for a person after repeated no-shows; staff may lift it early with a reason."""

    __tablename__ = "booking_suspension"
    __table_args__ = (Index("ix_suspension_person_until", "person_hash", "until"),
                      Index("ix_suspension_until", "until"))

    id: Mapped[IntPK]
    person_hash: Mapped[str] = mapped_column(String(64))
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="CASCADE"))
    until: Mapped[UtcDateTime]
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[CreatedAt]
    lifted_at: Mapped[UtcDateTime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(80))
    lift_reason: Mapped[str | None] = mapped_column(String(200))


class WaitlistStatus(StrEnum):
    WAITING = "waiting"      # in line
    OFFERED = "offered"      # holds an offer (one at a time)
    BOOKED = "booked"        # confirmed an offer: an appointment exists
    CANCELLED = "cancelled"  # the citizen left the line (or declined an offer)
    LAPSED = "lapsed"        # let an offer run out
    EXPIRED = "expired"      # the days asked for passed with no offer


LIVE_WAITLIST_STATUSES = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class OfferStatus(StrEnum):
    HELD = "held"            # the seat is kept for the entry until expires_at
    CONFIRMED = "confirmed"  # booked
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # the entry was cancelled while holding it


class WaitlistEntry(Base):
    """A person in line (候补) for an item at a centre, over a range of days and optionally of times of day.

    First come, first served: the line is the id order. One live entry per person, item and centre."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'offered', 'booked', 'cancelled', 'lapsed', 'expired')",
                        name="status_known"),
        CheckConstraint("date_from <= date_to", name="dates_ordered"),
        CheckConstraint("time_from IS NULL OR time_to IS NULL OR time_from < time_to", name="times_ordered"),
        Index("uq_live_waitlist_per_person_item", "person_hash", "centre_id", "item_id", unique=True,
              postgresql_where=text("status IN ('waiting', 'offered')")),
        Index("ix_waitlist_line", "centre_id", "id", postgresql_where=text("status = 'waiting'")),
        Index("ix_waitlist_waiting_until", "date_to", postgresql_where=text("status = 'waiting'")),
        Index("brin_waitlist_date_to", "date_to", postgresql_using="brin"),
        Index("ix_waitlist_citizen", "citizen_id", "id"),
    )

    id: Mapped[IntPK]
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="RESTRICT"))
    person_hash: Mapped[str] = mapped_column(String(64))
    person_name: Mapped[str] = mapped_column(String(40))
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="CASCADE"))
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    # Local (Asia/Shanghai) times of day; None: any time the centre is open.
    time_from: Mapped[time | None] = mapped_column(Time)
    time_to: Mapped[time | None] = mapped_column(Time)
    status: Mapped[str] = mapped_column(String(16), default=WaitlistStatus.WAITING)
    appointment_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("appointment.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UtcDateTime | None]

    centre: Mapped[Centre] = relationship()
    item: Mapped[ServiceItem] = relationship()


class WaitlistOffer(Base):
    """A freed seat held for one entry (候补成功) until expires_at. While held, the slot counts the seat as
    booked, so nobody else can take it; it ends confirmed, or passes to the next in line, or goes back.

    `chain_id` is the first offer of the seat: a freed seat's offers form one chain, and the dashboard's fill
    rate is the share of chains that ended in a booking."""

    __tablename__ = "waitlist_offer"
    __table_args__ = (
        CheckConstraint("status IN ('held', 'confirmed', 'declined', 'expired', 'withdrawn')", name="status_known"),
        Index("uq_one_held_offer_per_entry", "entry_id", unique=True, postgresql_where=text("status = 'held'")),
        Index("ix_waitlist_offer_held_expiry", "expires_at", postgresql_where=text("status = 'held'")),
        Index("ix_waitlist_offer_slot", "slot_id"),
        Index("ix_waitlist_offer_centre_created", "centre_id", "created_at"),
    )

    id: Mapped[IntPK]
    entry_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("waitlist_entry.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("slot.id", ondelete="RESTRICT"))
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="CASCADE"))
    chain_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.HELD)
    expires_at: Mapped[UtcDateTime]
    decided_at: Mapped[UtcDateTime | None]
    appointment_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("appointment.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]

    entry: Mapped[WaitlistEntry] = relationship()
    slot: Mapped[Slot] = relationship()
