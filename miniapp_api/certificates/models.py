from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.centres.models import Centre
from miniapp_api.licences.models import Licence
from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class Certificate(Base):
    """电子证照: one issuance of a licence, signed. A renewal issues a new certificate for the same licence and
    supersedes the previous one; the licence row carries the validity its reminders follow.

    `payload` is exactly what was signed (strings only, so its canonical JSON is stable through JSONB), and
    `signature` the detached Ed25519 signature over that canonical JSON, made with the key `key_id` names.
    The payload carries the holder's masked ID number only: the full one stays encrypted on the case.
    """

    __tablename__ = "certificate"
    __table_args__ = (
        CheckConstraint("holder_type IN ('person', 'business')", name="holder_type_known"),
        CheckConstraint("status IN ('valid', 'superseded', 'revoked')", name="status_known"),
        Index("ix_certificate_holder_hash", "holder_id_hash"),
        Index("ix_certificate_credit_code", "credit_code"),
        Index("ix_certificate_licence", "licence_id"),
    )

    id: Mapped[IntPK]
    identifier: Mapped[str] = mapped_column(String(40), unique=True)
    type_code: Mapped[str] = mapped_column(String(8))
    type_name: Mapped[str] = mapped_column(String(40))
    licence_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("licence.id", ondelete="RESTRICT"))
    application_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("application.id", ondelete="SET NULL"),
                                                       unique=True)
    holder_type: Mapped[str] = mapped_column(String(10))
    holder_name: Mapped[str] = mapped_column(String(80))
    holder_id_hash: Mapped[str | None] = mapped_column(String(64))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    issuing_centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    signature: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(16))
    verify_token: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="valid")
    revoked_at: Mapped[UtcDateTime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))
    revoked_by_staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]

    licence: Mapped[Licence] = relationship()
    issuing_centre: Mapped[Centre] = relationship()


class CertificateSequence(Base):
    """The running number of the identifiers of one type, region and year (taken under the row's lock)."""

    __tablename__ = "certificate_sequence"

    type_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
