from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class ReportExport(Base):
    """An export too large to answer at once: built by a job (rows done / total for the progress bar), kept in
    the file store under `storage_key` until `expires_at`, downloaded only by the staff member who asked.

    `centre_ids` are the centres it covers, fixed when it was asked for (the staff member's visible ones at that
    moment, or the one picked), so the job never widens what the request was allowed to see."""

    __tablename__ = "report_export"
    __table_args__ = (
        CheckConstraint("kind IN ('appointments', 'applications', 'feedback', 'ratings', 'rectifications', "
                        "'surveys')", name="kind_known"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')", name="status_known"),
        CheckConstraint("date_from <= date_to", name="period_ordered"),
        Index("ix_report_export_staff", "staff_id", "id"),
        Index("ix_report_export_expires", "expires_at", postgresql_where="storage_key IS NOT NULL"),
        Index("ix_report_export_queued", "created_at", postgresql_where="status = 'queued'"),
    )

    id: Mapped[IntPK]
    staff_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="CASCADE"))
    made_by: Mapped[str] = mapped_column(String(80))          # the roles, as the summary sheet names them
    kind: Mapped[str] = mapped_column(String(16))
    centre_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    item_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="CASCADE"))
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    storage_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[CreatedAt]
    finished_at: Mapped[UtcDateTime | None]
    expires_at: Mapped[UtcDateTime | None]
