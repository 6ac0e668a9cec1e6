from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.centres.models import Centre, ServiceItem
from miniapp_api.platform.db import Base, IntPK, UtcDateTime


class Filing(Base):
    """网上申报: a citizen's online application while it is a draft, and after submission the link to the case
    it became. `values` holds the item's form fields (no ID number, no phone: those come from the verified
    identity at submission); `materials` maps each material's name to the citizen's uploaded file ids;
    `deferred` names the non-key materials promised for later (容缺) with `promise_text`. The mailing address
    (邮寄) is personal data: kept encrypted as one JSON string."""

    __tablename__ = "filing"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted')", name="status_known"),
        CheckConstraint("delivery IN ('pickup', 'mail')", name="delivery_known"),
        CheckConstraint("(item_id IS NULL) <> (bundle_code IS NULL)", name="item_or_bundle"),
        Index("ix_filing_citizen", "citizen_id", "status"),
        Index("uq_filing_application", "application_id", unique=True,
              postgresql_where=text("application_id IS NOT NULL")),
    )

    id: Mapped[IntPK]
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"))
    business_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("business.id", ondelete="SET NULL"))
    # One item, or a 一件事 bundle (`bundle_code`, bundles.yaml): one form and one material set for its items.
    item_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("service_item.id", ondelete="RESTRICT"))
    bundle_code: Mapped[str | None] = mapped_column(String(40))
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    values: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    materials: Mapped[dict[str, list[int]]] = mapped_column(JSONB, default=dict)
    deferred: Mapped[list[str]] = mapped_column(JSONB, default=list)
    promise_text: Mapped[str | None] = mapped_column(String(200))
    delivery: Mapped[str] = mapped_column(String(8), default="pickup")
    mail_enc: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    application_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("application.id", ondelete="SET NULL"))
    bundle_case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("bundle_case.id", ondelete="SET NULL"),
                                                       index=True)
    created_at: Mapped[UtcDateTime]
    updated_at: Mapped[UtcDateTime]
    submitted_at: Mapped[UtcDateTime | None]

    item: Mapped[ServiceItem | None] = relationship()
    centre: Mapped[Centre] = relationship()
