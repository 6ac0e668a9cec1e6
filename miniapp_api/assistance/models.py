"""帮办代办: a citizen (or a business's agent) asks a centre's 帮办 team for help on an item or a situation; a helper
is assigned, contacts them, may act for them under a time-limited grant they confirm, and closes the request."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.centres.models import ServiceItem
from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"       # 已提交: waiting for the centre to assign a helper
    ASSIGNED = "assigned"         # 已分派: a helper took it or was given it; first contact due
    IN_PROGRESS = "in_progress"   # 办理中: the helper has contacted the requester
    CLOSED = "closed"             # 已办结
    WITHDRAWN = "withdrawn"       # 已撤回 by the requester


OPEN_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.ASSIGNED, RequestStatus.IN_PROGRESS)


class GrantScope(StrEnum):
    BOOK = "book"    # book an appointment in the requester's name


class GrantStatus(StrEnum):
    PENDING = "pending"   # asked for by the helper; waits for the requester's confirmation
    ACTIVE = "active"     # confirmed; in force until expires_at
    REVOKED = "revoked"   # ended by the requester (before or after confirming)
    ENDED = "ended"       # ended with the request (closed or withdrawn)


class AssistanceRequest(Base):
    __tablename__ = "assistance_request"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'assigned', 'in_progress', 'closed', 'withdrawn')",
                        name="status_known"),
        CheckConstraint("item_id IS NOT NULL OR situation IS NOT NULL", name="about_something"),
        # Asked in the app (the citizen's account), or at a 代办点's desk for someone who may have no account: then
        # the desk writes down whom to call back.
        CheckConstraint("citizen_id IS NOT NULL OR (site_id IS NOT NULL AND contact_name IS NOT NULL"
                        " AND contact_phone_enc IS NOT NULL)", name="someone_to_reach"),
        Index("ix_assistance_request_inbox", "centre_id", "status", "contact_due_on"),
        # The first-contact sweep reads only requests still waiting for a first contact and not yet flagged.
        Index("ix_assistance_request_contact_due", "contact_due_on", postgresql_where=text(
            "status IN ('submitted', 'assigned') AND first_contact_at IS NULL AND overdue_noticed_at IS NULL")),
    )

    id: Mapped[IntPK]
    citizen_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="RESTRICT"),
                                                   index=True)
    # 代办点登记: the site whose clerk took it at the desk, the clerk, and whom the helper calls back (the phone
    # sealed like every phone number); the site's parent centre is `centre_id`.
    site_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"), index=True)
    taken_by_staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    contact_name: Mapped[str | None] = mapped_column(String(40))
    contact_phone_enc: Mapped[str | None] = mapped_column(Text)
    contact_phone_last4: Mapped[str | None] = mapped_column(String(4))
    # The ID number the desk saw on the person's card, as a lookup hash (optional): the person — once face-verified
    # in the app, that very ID — may take the request into their account to follow and rate it (services.claim).
    contact_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    business_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("business.id", ondelete="SET NULL"))
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    item_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="SET NULL"))
    situation: Mapped[str | None] = mapped_column(Text)
    content_check: Mapped[str] = mapped_column(String(10))     # pass, or review (WeChat unsure or unreachable)
    status: Mapped[str] = mapped_column(String(12), default=RequestStatus.SUBMITTED)
    helper_staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    contact_days: Mapped[int] = mapped_column(SmallInteger)
    contact_due_on: Mapped[date] = mapped_column(Date)
    assigned_at: Mapped[UtcDateTime | None]
    first_contact_at: Mapped[UtcDateTime | None]
    overdue_noticed_at: Mapped[UtcDateTime | None]     # the sweep told staff the first contact is overdue
    closed_at: Mapped[UtcDateTime | None]
    close_note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UtcDateTime]

    events: Mapped[list[AssistanceEvent]] = relationship(order_by="AssistanceEvent.id")
    grants: Mapped[list[AssistanceGrant]] = relationship(order_by="AssistanceGrant.id")


class AssistanceEvent(Base):
    """One step of the request's timeline; the requester sees those `visible_to_citizen`."""

    __tablename__ = "assistance_event"

    id: Mapped[IntPK]
    request_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("assistance_request.id", ondelete="CASCADE"),
                                            index=True)
    at: Mapped[UtcDateTime]
    actor: Mapped[str] = mapped_column(String(40))
    actor_name: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(1000))
    visible_to_citizen: Mapped[bool] = mapped_column(default=True)


class AssistanceGrant(Base):
    """代办授权: the requester lets the request's helper act for them, within scopes, for a limited time.

    Checked at the moment of each act (services.helper_may) under a share lock, so a revocation (which locks the
    row for update) and an act are ordered; it ends when the requester revokes it, at expires_at, or with the
    request. One live (pending or active) grant per request."""

    __tablename__ = "assistance_grant"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'active', 'revoked', 'ended')", name="status_known"),
        CheckConstraint("valid_hours BETWEEN 1 AND 720", name="valid_hours_range"),
        Index("uq_assistance_grant_live", "request_id", unique=True,
              postgresql_where=text("status IN ('pending', 'active')")),
    )

    id: Mapped[IntPK]
    request_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("assistance_request.id", ondelete="CASCADE"),
                                            index=True)
    helper_staff_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="CASCADE"))
    # The one item it covers, at the request's centre: what the requester read on the consent card (services.ask_to_act).
    item_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="SET NULL"))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    purpose: Mapped[str] = mapped_column(String(200))
    valid_hours: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(10), default=GrantStatus.PENDING)
    asked_at: Mapped[UtcDateTime]
    confirmed_at: Mapped[UtcDateTime | None]
    expires_at: Mapped[UtcDateTime | None]
    ended_at: Mapped[UtcDateTime | None]
    item: Mapped[ServiceItem | None] = relationship("ServiceItem")


class AssistanceSla(Base):
    """Working days to the first contact, per centre (absent: services.DEFAULT_CONTACT_DAYS)."""

    __tablename__ = "assistance_sla"
    __table_args__ = (CheckConstraint("contact_days BETWEEN 1 AND 10", name="days_range"),)

    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="CASCADE"), primary_key=True)
    contact_days: Mapped[int] = mapped_column(SmallInteger)
