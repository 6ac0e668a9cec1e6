from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, SmallInteger, String, Table, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class Role(StrEnum):
    ADMIN = "admin"                        # 系统管理员: every centre
    CENTRE_MANAGER = "centre_manager"      # 中心负责人
    WINDOW_STAFF = "window_staff"          # 窗口工作人员
    FEEDBACK_HANDLER = "feedback_handler"  # 诉求办理人员
    SUPERVISOR = "supervisor"              # 督办人员
    # 代办点工作人员: at a 代办点 (a `site` centre), takes 帮办 requests and materials for the centre above it, and
    # nothing else: a role held alone (the check below), outside the console's "everyone" and the staff API.
    SITE_CLERK = "site_clerk"


staff_centre = Table(
    "staff_centre", Base.metadata,
    Column("staff_id", BigInteger, ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    Column("centre_id", BigInteger, ForeignKey("centre.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Staff(Base):
    """A console user. Scoped to centres: a district hall's staff also see its street and community centres."""

    __tablename__ = "staff"
    __table_args__ = (CheckConstraint("cardinality(roles) > 0", name="has_a_role"),
                      CheckConstraint("NOT ('site_clerk' = ANY(roles)) OR cardinality(roles) = 1",
                                      name="site_clerk_alone"))

    id: Mapped[IntPK]
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(SmallInteger, default=0)
    locked_until: Mapped[UtcDateTime | None]
    created_at: Mapped[CreatedAt]
    last_login_at: Mapped[UtcDateTime | None]

    def has_role(self, *roles: str) -> bool:
        return Role.ADMIN in self.roles or any(role in self.roles for role in roles)

    @property
    def site_only(self) -> bool:
        """A 代办点 clerk: the console's site desk and nothing else."""
        return Role.SITE_CLERK in self.roles


class StaffSession(Base):
    """A staff API bearer token (hash only), short-lived: a counter PC is shared."""

    __tablename__ = "staff_session"

    id: Mapped[IntPK]
    staff_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[UtcDateTime]
    revoked_at: Mapped[UtcDateTime | None]

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class StaffNotice(Base):
    """A message to staff in the console (催办, 督办): staff have no WeChat channel of their own."""

    __tablename__ = "staff_notice"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_staff_notice_dedupe_key"),)

    id: Mapped[IntPK]
    staff_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(String(300))
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[CreatedAt]
    read_at: Mapped[UtcDateTime | None]
