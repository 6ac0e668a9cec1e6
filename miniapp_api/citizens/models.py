from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class Citizen(Base):
    """A WeChat user of the mini-program, known by openid.

    Personal numbers are stored only encrypted (`*_enc`), with a keyed hash
    (`*_hash`) for look-ups. What the citizen typed (real_name, id_number_*) is
    only a claim; `verified_id_hash` is set by a passed face verification (人脸核身)
    and is the only identity that rules about a person trust: licences, linking
    applications, quotas, suspensions. One verified account per person (unique).
    """

    __tablename__ = "citizen"
    __table_args__ = (Index("ix_citizen_awaiting_erasure", "deletion_requested_at",
                            postgresql_where=text("deletion_requested_at IS NOT NULL AND erased_at IS NULL")),)

    id: Mapped[IntPK]
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    # session_key decrypts wx.getPhoneNumber payloads; it never leaves the server.
    session_key_enc: Mapped[str | None] = mapped_column(Text)
    real_name: Mapped[str | None] = mapped_column(String(40))
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    verified_id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    verified_at: Mapped[UtcDateTime | None]
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # Set when the phone came from WeChat's getPhoneNumber; a typed phone clears it.
    phone_verified_at: Mapped[UtcDateTime | None]
    created_at: Mapped[CreatedAt]
    last_login_at: Mapped[UtcDateTime | None]
    # 注销: asked for (sessions revoked, bookings cancelled, no login) and, after a short grace for the
    # cancellation messages to go out, erased (accounts/services.py): the row stays as an empty tombstone so
    # that anonymous ratings and case records still point somewhere.
    deletion_requested_at: Mapped[UtcDateTime | None]
    erased_at: Mapped[UtcDateTime | None]

    @property
    def verified(self) -> bool:
        return self.verified_id_hash is not None

    sessions: Mapped[list[AuthSession]] = relationship(back_populates="citizen", cascade="all, delete-orphan")


class AuthSession(Base):
    """A bearer login. Only the SHA-256 of the token is stored, so a database leak logs nobody in."""

    __tablename__ = "auth_session"

    id: Mapped[IntPK]
    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[UtcDateTime]
    revoked_at: Mapped[UtcDateTime | None]

    citizen: Mapped[Citizen] = relationship(back_populates="sessions")

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
