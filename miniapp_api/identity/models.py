from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class VerificationStatus(StrEnum):
    PENDING = "pending"      # verify_id issued, the face check not yet confirmed
    VERIFIED = "verified"    # queryverifyinfo said 10000: the identity was applied to the account
    FAILED = "failed"        # any other verify_ret: nothing changed


class FaceVerification(Base):
    """One face-verification attempt (人脸核身): what the citizen claimed and what WeChat answered.

    The claim is kept encrypted; `verify_id` is a bearer secret for the face check, so it
    is stored encrypted too and never logged.
    """

    __tablename__ = "face_verification"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'verified', 'failed')", name="status_known"),
        Index("ix_face_verification_citizen_created", "citizen_id", "created_at"),
        Index("ix_face_verification_id_hash_created", "id_number_hash", "created_at"),
        Index("brin_face_verification_created", "created_at", postgresql_using="brin"),
    )

    id: Mapped[IntPK]
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"))
    out_seq_no: Mapped[str] = mapped_column(String(32), unique=True)
    verify_id_enc: Mapped[str] = mapped_column(Text)
    real_name_enc: Mapped[str] = mapped_column(Text)
    id_number_enc: Mapped[str] = mapped_column(Text)
    id_number_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=VerificationStatus.PENDING)
    verify_ret: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[UtcDateTime]
    finished_at: Mapped[UtcDateTime | None]


class Scope(StrEnum):
    BOOK = "book"        # book, cancel and reschedule for them
    VIEW = "view"        # see their appointments, applications and licences
    REMIND = "remind"    # receive their reminders


class AuthorisationStatus(StrEnum):
    PENDING = "pending"  # asked for by the delegate; waits for the relative or a hall's staff
    ACTIVE = "active"
    REVOKED = "revoked"


class RelativeAuthorisation(Base):
    """亲友代办: a relative (the principal) lets a verified citizen (the delegate) act for them.

    The principal is known by the verified ID number (hash, encrypted copy, name), so an
    elderly person without a phone can be the principal of a paper authorisation
    recorded by hall staff; principal_citizen_id is set when they confirm on their own
    WeChat. It is in force while active and before expires_at.
    """

    __tablename__ = "relative_authorisation"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'active', 'revoked')", name="status_known"),
        CheckConstraint("confirmed_via IS NULL OR confirmed_via IN ('wechat', 'paper')", name="confirmed_via_known"),
        # One live authorisation per delegate and person.
        Index("uq_relative_authorisation_live", "delegate_id", "principal_id_hash", unique=True,
              postgresql_where=text("status IN ('pending', 'active')")),
        Index("ix_relative_authorisation_principal", "principal_id_hash", "status"),
    )

    id: Mapped[IntPK]
    delegate_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    principal_name: Mapped[str] = mapped_column(String(40))
    principal_id_enc: Mapped[str] = mapped_column(Text)
    principal_id_hash: Mapped[str] = mapped_column(String(64))
    principal_citizen_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="SET NULL"))
    relation: Mapped[str] = mapped_column(String(20))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    valid_days: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(16), default=AuthorisationStatus.PENDING)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[UtcDateTime | None]
    created_at: Mapped[CreatedAt]
    activated_at: Mapped[UtcDateTime | None]
    expires_at: Mapped[UtcDateTime | None]
    confirmed_via: Mapped[str | None] = mapped_column(String(8))
    staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    staff_centre_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="SET NULL"))
    paper_ref: Mapped[str | None] = mapped_column(String(120))
    revoked_at: Mapped[UtcDateTime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(16))
