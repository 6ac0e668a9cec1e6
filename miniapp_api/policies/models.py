from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.centres.models import Centre
from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime

# The categories citizens browse and subscribe to; an item has one.
CATEGORIES = ("就业创业", "养老服务", "助残帮扶", "企业发展", "科技创新", "稳岗补贴", "餐饮服务", "住房保障")


class Mode(StrEnum):
    EXEMPT = "exempt"     # 免申即享: granted on data, the beneficiary only confirms
    FAST = "fast"         # 快申快享: apply online with a prefilled form
    INFO = "info"         # information only


class Subject(StrEnum):
    PERSON = "person"
    BUSINESS = "business"


class MatchStatus(StrEnum):
    MATCHED = "matched"         # 数据比对 found them eligible; waiting for 意愿确认
    CONFIRMED = "confirmed"     # the beneficiary confirmed: a grant case exists
    DECLINED = "declined"       # they said no
    WITHDRAWN = "withdrawn"     # their facts changed before they confirmed
    EXPIRED = "expired"         # ignored until the policy ended


class GrantStatus(StrEnum):
    REVIEWING = "reviewing"     # 审核
    APPROVED = "approved"       # 审核 passed, waiting for 拨付
    PAID = "paid"               # 拨付到账
    REJECTED = "rejected"


class PersonFact(Base):
    """Facts about a person shared by other departments (户籍, 残联), keyed by the keyed hash of the ID number:
    they exist before the person uses the app, and reach the person once they are face-verified."""

    __tablename__ = "person_fact"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    birth_date: Mapped[date] = mapped_column(Date)
    hukou_region: Mapped[str] = mapped_column(String(6))
    disability_level: Mapped[int | None] = mapped_column(SmallInteger)   # 1 (most severe) .. 4, NULL: none
    updated_at: Mapped[UtcDateTime]


class PolicyDocument(Base):
    """A policy document (政策文件) of an issuing department; its owner centre's staff maintain it."""

    __tablename__ = "policy_document"

    id: Mapped[IntPK]
    title: Mapped[str] = mapped_column(String(120))
    department: Mapped[str] = mapped_column(String(60))
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)          # 白话解读
    created_at: Mapped[CreatedAt]

    centre: Mapped[Centre] = relationship()
    items: Mapped[list[PolicyItem]] = relationship(back_populates="document", order_by="PolicyItem.id")


class PolicyItem(Base):
    """One policy item (政策事项): a benefit, who is eligible (its published rule) and how it is obtained."""

    __tablename__ = "policy_item"
    __table_args__ = (
        CheckConstraint("mode IN ('exempt', 'fast', 'info')", name="mode_known"),
        CheckConstraint("subject IN ('person', 'business')", name="subject_known"),
        CheckConstraint("status IN ('draft', 'published', 'retired')", name="status_known"),
        CheckConstraint("valid_from <= valid_until", name="valid_period"),
        CheckConstraint("status <> 'published' OR rule_id IS NOT NULL", name="published_has_rule"),
        Index("ix_policy_item_search", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[IntPK]
    document_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("policy_document.id", ondelete="CASCADE"),
                                             index=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    title: Mapped[str] = mapped_column(String(80))
    benefit: Mapped[str] = mapped_column(String(200))
    amount_yuan: Mapped[int | None] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(20), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    owner_department: Mapped[str] = mapped_column(String(60))
    # 快申快享: the service item applied for online with a prefilled form.
    service_item_code: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    # The published rule version; NULL until first publication.
    rule_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("policy_rule.id", ondelete="RESTRICT",
                                                                       use_alter=True))
    published_at: Mapped[UtcDateTime | None]
    # What search.py finds it by (a tsvector literal of its bigrams), written when it is published.
    search_vector: Mapped[str | None] = mapped_column(TSVECTOR)
    created_at: Mapped[CreatedAt]

    document: Mapped[PolicyDocument] = relationship(back_populates="items")
    rule: Mapped[PolicyRule | None] = relationship(foreign_keys=[rule_id])


class PolicyRule(Base):
    """One version of an item's eligibility rule (JSON, see rules.py) with its own test cases; versions are
    never edited once published, a change is a new version."""

    __tablename__ = "policy_rule"
    __table_args__ = (UniqueConstraint("policy_item_id", "version", name="uq_policy_rule_version"),)

    id: Mapped[IntPK]
    policy_item_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("policy_item.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(SmallInteger)
    rule: Mapped[dict[str, Any]] = mapped_column(JSONB)
    cases: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_by_staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]
    published_at: Mapped[UtcDateTime | None]


class PolicyMatch(Base):
    """数据比对's result: this person or business is eligible for this item. One row per item and subject,
    ever (the unique index makes matching idempotent); its status follows the beneficiary's answer."""

    __tablename__ = "policy_match"
    __table_args__ = (
        CheckConstraint("status IN ('matched', 'confirmed', 'declined', 'withdrawn', 'expired')", name="status_known"),
        CheckConstraint("(citizen_id IS NULL) <> (business_id IS NULL)", name="one_subject"),
        Index("uq_policy_match_person", "policy_item_id", "citizen_id", unique=True,
              postgresql_where=text("citizen_id IS NOT NULL")),
        Index("uq_policy_match_business", "policy_item_id", "business_id", unique=True,
              postgresql_where=text("business_id IS NOT NULL")),
        Index("ix_policy_match_citizen", "citizen_id"),
        Index("ix_policy_match_business", "business_id"),
        Index("ix_policy_match_open", "matched_at", postgresql_where=text("status = 'matched'")),
    )

    id: Mapped[IntPK]
    policy_item_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("policy_item.id", ondelete="CASCADE"))
    rule_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("policy_rule.id", ondelete="RESTRICT"))
    citizen_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"))
    business_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("business.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=MatchStatus.MATCHED)
    matched_at: Mapped[UtcDateTime]
    reminded_at: Mapped[UtcDateTime | None]
    answered_at: Mapped[UtcDateTime | None]
    answered_by_citizen_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("citizen.id",
                                                                                      ondelete="SET NULL"))
    ended_at: Mapped[UtcDateTime | None]
    end_reason: Mapped[str | None] = mapped_column(String(200))

    item: Mapped[PolicyItem] = relationship()


class PolicyGrant(Base):
    """The grant case of a confirmed 免申即享 match (数据比对 → 意愿确认 → 审核 → 拨付到账) or of a submitted
    快申快享 application (数据比对 → 在线申请 → 审核 → 拨付到账), handled by the owner centre's staff. The payout
    account number is stored encrypted."""

    __tablename__ = "policy_grant"
    __table_args__ = (
        CheckConstraint("status IN ('reviewing', 'approved', 'paid', 'rejected')", name="status_known"),
        Index("ix_policy_grant_item_status", "policy_item_id", "status"),
    )

    id: Mapped[IntPK]
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    match_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("policy_match.id", ondelete="CASCADE"), unique=True)
    policy_item_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("policy_item.id", ondelete="CASCADE"))
    citizen_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="SET NULL"),
                                                   index=True)
    business_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("business.id", ondelete="SET NULL"),
                                                    index=True)
    account_name: Mapped[str] = mapped_column(String(80))
    bank: Mapped[str] = mapped_column(String(60))
    account_enc: Mapped[str] = mapped_column(Text)
    account_last4: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(10), default=GrantStatus.REVIEWING)
    matched_at: Mapped[UtcDateTime]
    confirmed_at: Mapped[UtcDateTime]
    reviewed_at: Mapped[UtcDateTime | None]
    paid_at: Mapped[UtcDateTime | None]
    staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    # 快申快享: the prefilled application as submitted (identifiers masked, the contact phone encrypted).
    form: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    item: Mapped[PolicyItem] = relationship()


class PolicySubscription(Base):
    """A citizen wants to hear of newly published policies of a category (政策订阅)."""

    __tablename__ = "policy_subscription"

    citizen_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("citizen.id", ondelete="CASCADE"),
                                            primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    created_at: Mapped[CreatedAt]


class MatchTask(Base):
    """One chunk of a matching run: one rule over one id range of its subjects. Workers claim chunks with
    SKIP LOCKED and do each in one transaction, so a killed worker leaves its chunk to the next run."""

    __tablename__ = "policy_match_task"
    __table_args__ = (
        UniqueConstraint("run_key", "rule_id", "lo_id", name="uq_policy_match_task"),
        Index("ix_policy_match_task_open", "id", postgresql_where=text("done_at IS NULL")),
        # The retention purge reads old chunks by age.
        Index("brin_policy_match_task_created", "created_at", postgresql_using="brin"),
    )

    id: Mapped[IntPK]
    run_key: Mapped[str] = mapped_column(String(40))
    rule_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("policy_rule.id", ondelete="CASCADE"))
    lo_id: Mapped[int] = mapped_column(BigInteger)
    hi_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[CreatedAt]
    done_at: Mapped[UtcDateTime | None]
    matched: Mapped[int | None] = mapped_column(Integer)
    withdrawn: Mapped[int | None] = mapped_column(Integer)
