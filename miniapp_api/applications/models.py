from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.centres.models import Centre, ServiceItem
from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    ACCEPTED_PENDING_MATERIALS = "accepted_pending_materials"   # 容缺受理
    IN_REVIEW = "in_review"
    NEEDS_CORRECTION = "needs_correction"                       # 补正: the legal clock pauses
    APPROVED = "approved"
    REJECTED = "rejected"
    READY_FOR_PICKUP = "ready_for_pickup"
    MAILED = "mailed"
    COMPLETED = "completed"                                     # 办结


S = ApplicationStatus
TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    # 预审 of an online filing may ask for 补正 before acceptance: the legal clock has not started yet.
    S.SUBMITTED: frozenset({S.ACCEPTED, S.ACCEPTED_PENDING_MATERIALS, S.NEEDS_CORRECTION, S.REJECTED}),
    S.ACCEPTED: frozenset({S.IN_REVIEW}),
    S.ACCEPTED_PENDING_MATERIALS: frozenset({S.IN_REVIEW}),
    S.IN_REVIEW: frozenset({S.NEEDS_CORRECTION, S.APPROVED, S.REJECTED}),
    # Back to review once corrected: to 预审 (submitted) when it was never accepted, else to in_review.
    S.NEEDS_CORRECTION: frozenset({S.IN_REVIEW, S.SUBMITTED}),
    # An electronic certificate (电子证照) needs neither pickup nor mail.
    S.APPROVED: frozenset({S.READY_FOR_PICKUP, S.MAILED, S.COMPLETED}),
    S.REJECTED: frozenset({S.COMPLETED}),
    S.READY_FOR_PICKUP: frozenset({S.COMPLETED}),
    S.MAILED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
}
# While the legal time limit runs (and can be overdue).
CLOCK_RUNNING = (S.ACCEPTED, S.ACCEPTED_PENDING_MATERIALS, S.IN_REVIEW)


class ApplicationBatch(Base):
    """批量办理: many applications of one business handled together (140 operator certificates)."""

    __tablename__ = "application_batch"

    id: Mapped[IntPK]
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(80))
    business_name: Mapped[str] = mapped_column(String(80))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    item_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="RESTRICT"))
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"), index=True)
    agent_citizen_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="SET NULL"))
    created_by_staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]
    # A member list uploaded in the console is created by a worker in chunks: `members_created` of
    # `member_total` so far (the progress bar); the list waits encrypted (ID numbers) until it is all created.
    member_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    members_created: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    import_status: Mapped[str] = mapped_column(String(8), default="done", server_default="done")
    members_enc: Mapped[str | None] = mapped_column(Text)
    completion_notified_at: Mapped[UtcDateTime | None]
    # 分支机构批量变更 filed online by someone acting for the business (applications/branches.py): the batch is
    # the parent case; `agent_citizen_id` is who filed it, whoever acts for `business_id` now follows it (and
    # sees its children), and `completed_at` is set once, under this
    # row's lock, by whichever branch ends last. NULL for a batch staff created.
    business_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("business.id", ondelete="SET NULL"),
                                                    index=True)
    completed_at: Mapped[UtcDateTime | None]

    item: Mapped[ServiceItem] = relationship()


class BundleCase(Base):
    """一件事: the parent case of an online bundle, one child Application per item (each with its own
    department, state and legal time limit). Its progress is derived from the children; `completed_at` is set
    once, under this row's lock, by whichever child completes last."""

    __tablename__ = "bundle_case"
    __table_args__ = (
        CheckConstraint("applicant_type IN ('person', 'business')", name="applicant_type_known"),
    )

    id: Mapped[IntPK]
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    bundle_code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(80))
    applicant_type: Mapped[str] = mapped_column(String(10))
    applicant_name: Mapped[str] = mapped_column(String(80))
    citizen_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="SET NULL"), index=True)
    proxy_citizen_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="SET NULL"),
                                                         index=True)
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    # 跨省通办: the province that receives and handles it (a field of the shared form), else NULL.
    receiving_province: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[CreatedAt]
    completed_at: Mapped[UtcDateTime | None]

    centre: Mapped[Centre] = relationship(foreign_keys=[centre_id])
    children: Mapped[list[Application]] = relationship(order_by="Application.id", back_populates="bundle_case")


class Application(Base):
    """办件: one case, known to the citizen by its reference number (受理编号)."""

    __tablename__ = "application"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'accepted', 'accepted_pending_materials', 'in_review', "
                        "'needs_correction', 'approved', 'rejected', 'ready_for_pickup', 'mailed', 'completed')",
                        name="status_known"),
        CheckConstraint("applicant_type IN ('person', 'business')", name="applicant_type_known"),
        CheckConstraint("applicant_type = 'person' OR credit_code IS NOT NULL", name="business_has_credit_code"),
        CheckConstraint("delivery IS NULL OR delivery IN ('pickup', 'mail', 'electronic')", name="delivery_known"),
        Index("ix_application_centre_status", "centre_id", "status"),
        Index("ix_application_due", "due_on", postgresql_where=text(
            "status IN ('accepted', 'accepted_pending_materials', 'in_review')")),
    )

    id: Mapped[IntPK]
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    batch_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("application_batch.id", ondelete="RESTRICT"),
                                                 index=True)
    # A child of a 一件事 bundle (its parent case); NULL for a case of one item.
    bundle_case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("bundle_case.id", ondelete="RESTRICT"),
                                                       index=True)
    item_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="RESTRICT"))
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    window_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("service_window.id", ondelete="SET NULL"))
    handler_staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    # 代办点代收: the 代办点 (a `site` centre) whose clerk took the materials in for `centre_id`, the centre above it.
    site_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    appointment_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("appointment.id", ondelete="SET NULL"))

    applicant_type: Mapped[str] = mapped_column(String(10))
    applicant_name: Mapped[str] = mapped_column(String(80))
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    # The second factor of the reference lookup; shown in masks anyway (138****5678).
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    citizen_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="SET NULL"), index=True)
    proxy_citizen_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="SET NULL"),
                                                         index=True)

    status: Mapped[str] = mapped_column(String(30), default=S.SUBMITTED)
    time_limit_days: Mapped[int | None] = mapped_column(SmallInteger)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    paused_on: Mapped[date | None] = mapped_column(Date)
    promise_text: Mapped[str | None] = mapped_column(Text)       # 容缺受理 承诺
    delivery: Mapped[str | None] = mapped_column(String(12))
    pickup_place: Mapped[str | None] = mapped_column(String(200))
    pickup_hours: Mapped[str | None] = mapped_column(String(100))
    carrier: Mapped[str | None] = mapped_column(String(20))
    tracking_number: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UtcDateTime]
    completed_at: Mapped[UtcDateTime | None]

    item: Mapped[ServiceItem] = relationship()
    centre: Mapped[Centre] = relationship(foreign_keys=[centre_id])
    batch: Mapped[ApplicationBatch | None] = relationship()
    bundle_case: Mapped[BundleCase | None] = relationship(back_populates="children")
    materials: Mapped[list[ApplicationMaterial]] = relationship(order_by="ApplicationMaterial.id",
                                                                 back_populates="application")
    events: Mapped[list[ApplicationEvent]] = relationship(order_by="ApplicationEvent.id")

    def is_overdue(self, today: date) -> bool:
        return self.status in CLOCK_RUNNING and self.due_on is not None and self.due_on < today


class MaterialKind(StrEnum):
    DEFERRED = "deferred"       # 容缺: owed on a written promise, by a deadline
    CORRECTION = "correction"   # 补正: to be fixed and handed in again


class ApplicationMaterial(Base):
    """A material still owed: its deadline, and who said it arrived (citizen) and who checked it (staff)."""

    __tablename__ = "application_material"
    __table_args__ = (
        CheckConstraint("kind IN ('deferred', 'correction')", name="kind_known"),
        Index("ix_material_outstanding", "due_on", postgresql_where=text(
            "received_at IS NULL AND flagged_at IS NULL AND kind = 'deferred'")),
    )

    id: Mapped[IntPK]
    application_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("application.id", ondelete="CASCADE"),
                                                index=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    citizen_reported_at: Mapped[UtcDateTime | None]
    citizen_note: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[UtcDateTime | None]
    received_by_staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    # Files the citizen uploaded for it online (a 补正 answered from the phone): stored_file ids.
    files: Mapped[list[int]] = mapped_column(JSONB, default=list, server_default="[]")
    flagged_at: Mapped[UtcDateTime | None]      # past its deadline: on the staff's list, never auto-rejected

    application: Mapped[Application] = relationship(back_populates="materials")


class ApplicationEvent(Base):
    """One line of the timeline. `public_note` is what the citizen reads; `internal_note` stays with staff."""

    __tablename__ = "application_event"

    id: Mapped[IntPK]
    application_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("application.id", ondelete="CASCADE"),
                                                index=True)
    at: Mapped[UtcDateTime]
    actor: Mapped[str] = mapped_column(String(40))          # staff:12, citizen:7, system
    actor_name: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(30))           # status, material_received, material_reported, ...
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    visible_to_citizen: Mapped[bool] = mapped_column(default=True)
    public_note: Mapped[str | None] = mapped_column(String(500))
    internal_note: Mapped[str | None] = mapped_column(String(500))
