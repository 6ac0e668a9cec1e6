"""我的数据: a citizen's request for a copy of their personal data (PIPL art. 45), and the files built for it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.platform.db import Base, IntPK, UtcDateTime


class ExportState(StrEnum):
    QUEUED = "queued"          # asked for, waiting for a worker
    BUILDING = "building"      # a worker is writing the files
    DONE = "done"              # the files are there until expires_at
    EXPIRED = "expired"        # past expires_at: the files are deleted
    CANCELLED = "cancelled"    # the account was closed (注销) first: no files
    FAILED = "failed"          # the build failed; the citizen may ask again


PENDING_STATES = (ExportState.QUEUED, ExportState.BUILDING)


class DataExport(Base):
    """One request for 我的数据. The files live in file storage under `json_key` and `pdf_key` (not content
    addressed: `exports/<id>/…`), from `done_at` until `expires_at`, when the sweep deletes them. At most one
    request per citizen is pending (a partial unique index), so a double tap or two phones queue one build."""

    __tablename__ = "data_export"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'building', 'done', 'expired', 'cancelled', 'failed')",
                        name="state_known"),
        Index("uq_data_export_one_pending", "citizen_id", unique=True,
              postgresql_where=text("state IN ('queued', 'building')")),
        Index("ix_data_export_citizen", "citizen_id", "id"),
        # The sweep reads due rows only: done ones by expiry, stuck pending ones by when they were asked for.
        Index("ix_data_export_due", "state", "expires_at"),
    )

    id: Mapped[IntPK]
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default=ExportState.QUEUED)
    requested_at: Mapped[UtcDateTime]
    started_at: Mapped[UtcDateTime | None]
    done_at: Mapped[UtcDateTime | None]
    expires_at: Mapped[UtcDateTime | None]
    json_key: Mapped[str | None] = mapped_column(String(80))
    pdf_key: Mapped[str | None] = mapped_column(String(80))
    json_size: Mapped[int | None] = mapped_column(Integer)
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)   # rows per section, for the list
