"""智能导服: Q&A entries, scenario interviews, synonyms, staff-edited item guides, and the search index.

Entries, scenarios and item guides are versioned the same way: one row per version of a `code`; staff edit
the newest draft; publishing a draft retires the version citizens saw. Citizens only ever read what
`guide_doc` holds, and only published versions are written there, so a draft can never leak into search.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class DocKind(StrEnum):
    ENTRY = "entry"
    SCENARIO = "scenario"
    ITEM = "item"


class Versioned:
    """Columns every versioned piece of guidance shares: its code, version, state, owner and authors."""

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=VersionStatus.DRAFT)
    department: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[CreatedAt]
    published_at: Mapped[UtcDateTime | None]
    published_by: Mapped[str | None] = mapped_column(String(40))

    @declared_attr
    def owner_centre_id(cls) -> Mapped[int]:
        return mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"), index=True)

    @classmethod
    def versioned_args(cls, table: str) -> tuple:
        return (UniqueConstraint("code", "version", name=f"uq_{table}_code_version"),
                CheckConstraint("status IN ('draft', 'published', 'retired')", name="status_known"),
                Index(f"uq_{table}_published", "code", unique=True, postgresql_where=text("status = 'published'")))


class GuideEntry(Versioned, Base):
    """A Q&A entry: the question, how else people ask it, a plain-language answer, and what it leads to."""

    __tablename__ = "guide_entry"
    __table_args__ = Versioned.versioned_args("guide_entry")

    question: Mapped[str] = mapped_column(String(200))
    variants: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list)
    answer: Mapped[str] = mapped_column(Text)
    item_codes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    scenario_codes: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    centre_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list)


class GuideScenario(Versioned, Base):
    """情景引导: an interview of yes/no and choice questions ending in a checklist of items.

    questions: [{key, text, kind: yesno|choice, options: [{value, label}], when: {key: value | [values]}}]
    outcomes:  [{item: code, when: {...}, materials: [{name, key, form, count}], note}]
    """

    __tablename__ = "guide_scenario"
    __table_args__ = Versioned.versioned_args("guide_scenario")

    title: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(String(300))
    audience: Mapped[str] = mapped_column(String(16))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)


class ItemGuideRevision(Versioned, Base):
    """A staff edit of an item's 白话版 guide and materials; publishing copies it onto the item."""

    __tablename__ = "item_guide_revision"
    __table_args__ = Versioned.versioned_args("item_guide_revision")

    guide: Mapped[dict[str, Any]] = mapped_column(JSONB)
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)


class GuideSynonym(Base):
    """A group of words citizens use for one thing (社保 = 社会保障卡 = 社保卡); a query naming one finds the rest."""

    __tablename__ = "guide_synonym"
    __table_args__ = (CheckConstraint("status IN ('draft', 'published', 'retired')", name="status_known"),
                      CheckConstraint("cardinality(words) BETWEEN 2 AND 12", name="words_count"))

    id: Mapped[IntPK]
    words: Mapped[list[str]] = mapped_column(ARRAY(String(30)))
    status: Mapped[str] = mapped_column(String(10), default=VersionStatus.DRAFT)
    owner_centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"))
    department: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[CreatedAt]


class GuideDoc(Base):
    """The search index: one row per published entry, scenario and item.

    weights: term → its strongest weight letter (the scorer reads it); vector: the same as a tsvector, and
    title_vector its A and B terms, for the GIN indexes that find candidates (search.py says which when).
    """

    __tablename__ = "guide_doc"
    __table_args__ = (UniqueConstraint("kind", "ref", name="uq_guide_doc_kind_ref"),
                      CheckConstraint("kind IN ('entry', 'scenario', 'item')", name="kind_known"),
                      Index("ix_guide_doc_vector", "vector", postgresql_using="gin"),
                      Index("ix_guide_doc_title_vector", "title_vector", postgresql_using="gin"))

    id: Mapped[IntPK]
    kind: Mapped[str] = mapped_column(String(10))
    ref: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(16))
    owner_centre_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="SET NULL"))
    weights: Mapped[dict[str, str]] = mapped_column(JSONB)
    vector: Mapped[str] = mapped_column(TSVECTOR)
    title_vector: Mapped[str] = mapped_column(TSVECTOR)     # the A and B terms: what the question itself says


class GuideTerm(Base):
    """How many documents hold each term (rare terms weigh more); the row '#' holds the document count."""

    __tablename__ = "guide_term"

    term: Mapped[str] = mapped_column(Text, primary_key=True)
    docs: Mapped[int] = mapped_column(Integer)


class GuideMiss(Base):
    """A question that found no good answer or was handed to a person, per day: the staff's to-do list."""

    __tablename__ = "guide_miss"
    __table_args__ = (UniqueConstraint("query", "day", name="uq_guide_miss_query_day"),)

    id: Mapped[IntPK]
    query: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date, index=True)
    asked: Mapped[int] = mapped_column(Integer, default=0)
    handed_off: Mapped[int] = mapped_column(Integer, default=0)
    best_score: Mapped[float] = mapped_column(Float)
    best_title: Mapped[str | None] = mapped_column(String(200))
    last_feedback_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("feedback.id", ondelete="SET NULL"))
    last_asked_at: Mapped[UtcDateTime]
