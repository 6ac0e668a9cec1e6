from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.platform.db import Base, CreatedAt, IntPK


class StoredFile(Base):
    """An upload: checked, re-encoded where it is an image, and kept by the hash of its stored bytes.

    The bytes live in the storage (platform/storage.py) under the hash, so one citizen uploading the same
    photo twice gets the same record back, and two people's identical files share one blob. No file name is
    kept: names on phones carry people's names and ID numbers.
    """

    __tablename__ = "stored_file"
    __table_args__ = (
        UniqueConstraint("owner_citizen_id", "sha256", name="uq_stored_file_owner_hash"),
        CheckConstraint("kind IN ('image', 'pdf', 'video')", name="kind_known"),
        CheckConstraint("purpose IN ('material', 'feedback', 'inspection')", name="purpose_known"),
        Index("ix_stored_file_sha256", "sha256"),
        Index("brin_stored_file_created", "created_at", postgresql_using="brin"),
    )

    id: Mapped[IntPK]
    owner_citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    seconds: Mapped[int | None] = mapped_column(Integer)        # a video's length, rounded up
    created_at: Mapped[CreatedAt]


class FileAttachment(Base):
    """A file used by a record (a feedback, an application's material): it lets that record's handling centre
    read it, and keeps the file from the sweep of unused uploads."""

    __tablename__ = "file_attachment"
    __table_args__ = (Index("ix_file_attachment_subject", "subject_type", "subject_id"),)

    file_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("stored_file.id", ondelete="CASCADE"),
                                         primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    subject_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    centre_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="SET NULL"),
                                                  index=True)
    created_at: Mapped[CreatedAt]
