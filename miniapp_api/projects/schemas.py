from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from miniapp_api.platform.schemas import Id, StrictIn
from miniapp_api.projects import messages
from miniapp_api.projects.models import KeyProject, ProjectMilestone, Stage
from miniapp_api.projects.services import current_stage, is_overdue, overdue_count


class BusinessProjectsPath(BaseModel):
    business_id: Id


class MilestoneOut(BaseModel):
    id: int
    stage: str
    stage_name: str
    title: str
    target_on: dt.date
    done_on: dt.date | None
    overdue: bool = Field(description="not done and past its target date (plain dates, Asia/Shanghai)")
    case_references: list[str] = Field(description="受理编号 of the cases filed for this milestone")

    @classmethod
    def of(cls, m: ProjectMilestone, today: dt.date, references: list[str]) -> MilestoneOut:
        return cls(id=m.id, stage=m.stage, stage_name=messages.STAGE_NAMES[m.stage], title=m.title,
                   target_on=m.target_on, done_on=m.done_on, overdue=is_overdue(m, today),
                   case_references=references)


class StageOut(BaseModel):
    stage: str
    stage_name: str
    milestones: list[MilestoneOut]


class ProjectOut(BaseModel):
    id: int
    name: str
    investment_wan: int = Field(description="投资额，万元")
    location: str
    stage: str = Field(description="the earliest stage with a milestone not done, or completed")
    stage_name: str
    overdue_count: int
    stages: list[StageOut] = Field(description="立项 → 用地 → 规划 → 施工许可 → 竣工验收, each with its milestones")

    @classmethod
    def of(cls, project: KeyProject, today: dt.date, cases: dict[int, list]) -> ProjectOut:
        stage = current_stage(project.milestones)
        return cls(id=project.id, name=project.name, investment_wan=project.investment_wan,
                   location=project.location, stage=stage, stage_name=messages.STAGE_NAMES[stage],
                   overdue_count=overdue_count(project.milestones, today),
                   stages=[StageOut(stage=s.value, stage_name=messages.STAGE_NAMES[s.value], milestones=[
                       MilestoneOut.of(m, today, [a.reference for a in cases.get(m.id, [])])
                       for m in project.milestones if m.stage == s]) for s in Stage])


class ProjectList(BaseModel):
    projects: list[ProjectOut]


# --- console forms -----------------------------------------------------------------------------------------


class ProjectForm(StrictIn):
    project_name: str = Field(min_length=2, max_length=100)
    credit_code: str = Field(min_length=18, max_length=18)
    centre_id: Id
    investment_wan: int = Field(ge=0, le=100_000_000)
    location: str = Field(min_length=2, max_length=200)
    lead_staff_id: Id


class OfficerForm(StrictIn):
    staff_id: Id
    department: str = Field(min_length=2, max_length=40)


class MilestoneForm(StrictIn):
    stage: Stage
    title: str = Field(min_length=2, max_length=100)
    target_on: dt.date


class LinkCaseForm(StrictIn):
    application_id: Id
