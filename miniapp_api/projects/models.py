"""重点项目帮办代办: a key project of an enterprise, its lead official (包保领导) and service officers (服务专员), and
its milestones per stage (立项 → 用地 → 规划 → 施工许可 → 竣工验收), each linked to the cases filed for it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Column, Date, ForeignKey, Index, SmallInteger, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.platform.db import Base, CreatedAt, IntPK, UtcDateTime


class Stage(StrEnum):
    APPROVAL = "approval"                   # 立项
    LAND = "land"                           # 用地
    PLANNING = "planning"                   # 规划
    CONSTRUCTION_PERMIT = "construction"    # 施工许可
    ACCEPTANCE = "acceptance"               # 竣工验收


STAGES = tuple(Stage)
COMPLETED = "completed"                     # every milestone done


class KeyProject(Base):
    __tablename__ = "key_project"
    __table_args__ = (CheckConstraint("investment_wan >= 0", name="investment_positive"),)

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(100))
    business_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("business.id", ondelete="RESTRICT"), index=True)
    centre_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("centre.id", ondelete="RESTRICT"), index=True)
    investment_wan: Mapped[int] = mapped_column(BigInteger)       # 万元
    location: Mapped[str] = mapped_column(String(200))
    lead_staff_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[CreatedAt]

    officers: Mapped[list[ProjectOfficer]] = relationship(order_by="ProjectOfficer.staff_id")
    milestones: Mapped[list[ProjectMilestone]] = relationship(
        order_by="(ProjectMilestone.target_on, ProjectMilestone.id)")


class ProjectOfficer(Base):
    """服务专员: a staff member serving the project for a department (自然资源局, 住建局, …)."""

    __tablename__ = "key_project_officer"

    project_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("key_project.id", ondelete="CASCADE"),
                                            primary_key=True)
    staff_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)
    department: Mapped[str] = mapped_column(String(40))
    added_at: Mapped[UtcDateTime]


project_milestone_case = Table(
    "project_milestone_case", Base.metadata,
    Column("milestone_id", BigInteger, ForeignKey("project_milestone.id", ondelete="CASCADE"), primary_key=True),
    Column("application_id", BigInteger, ForeignKey("application.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class ProjectMilestone(Base):
    __tablename__ = "project_milestone"
    __table_args__ = (
        CheckConstraint("stage IN ('approval', 'land', 'planning', 'construction', 'acceptance')",
                        name="stage_known"),
        # The overdue sweep reads only milestones not done and not yet flagged.
        Index("ix_project_milestone_overdue", "target_on",
              postgresql_where=text("done_on IS NULL AND overdue_noticed_at IS NULL")),
    )

    id: Mapped[IntPK]
    project_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("key_project.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(100))
    target_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    done_by_staff_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("staff.id", ondelete="SET NULL"))
    overdue_noticed_at: Mapped[UtcDateTime | None]    # the sweep told the lead official and officers (once)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    created_at: Mapped[CreatedAt]
