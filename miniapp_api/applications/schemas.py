from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from flask_openapi3 import FileStorage
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from miniapp_api.applications import messages
from miniapp_api.applications.models import Application, ApplicationStatus, MaterialKind
from miniapp_api.applications.services import Advance, Applicant
from miniapp_api.citizens.schemas import IdNumber, MobilePhone
from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.privacy import credit_code_is_valid
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn

_REFERENCE = r"^(BS|PL)\d{8}-[2-9A-HJ-NP-Z]{6}$"
Reference = Annotated[str, Field(pattern=_REFERENCE, description="受理编号, e.g. BS20261123-7KQ4MX")]


def _credit_code(value: str) -> str:
    if not credit_code_is_valid(value):
        raise ValueError(messages.CREDIT_CODE_INVALID)
    return value.upper()


CreditCode = Annotated[str, AfterValidator(_credit_code), Field(description="统一社会信用代码 (GB 32100)")]
ShortText = Annotated[str, Field(min_length=1, max_length=80)]
Note = Annotated[str, Field(max_length=500)]


class ApplicationPath(BaseModel):
    reference: Reference


class RatingLinkPath(BaseModel):
    code: str = Field(pattern=r"^[A-Za-z0-9]{10}$", description="the short code an SMS rating invitation carries")


class BatchPath(BaseModel):
    reference: Reference


# --- citizen input ---------------------------------------------------------------------------------------


class LookupIn(StrictIn):
    reference: Reference
    phone_last4: str = Field(pattern=r"^\d{4}$", description="last four digits of the phone given at the counter")


class MaterialReportIn(StrictIn):
    material_id: Id
    note: str | None = Field(default=None, max_length=200, description="e.g. 已邮寄，顺丰 SF123…")
    attachments: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=5, description="file ids from wx.uploadFile (optional)")


# --- staff input -----------------------------------------------------------------------------------------


class ApplicantIn(StrictIn):
    type: Literal["person", "business"] = "person"
    name: ShortText
    id_number: IdNumber | None = None
    credit_code: CreditCode | None = None
    phone: MobilePhone | None = None

    @model_validator(mode="after")
    def _identity(self) -> ApplicantIn:
        if self.type == "person" and not self.id_number:
            raise ValueError(messages.APPLICANT_ID_REQUIRED)
        if self.type == "business" and not self.credit_code:
            raise ValueError(messages.CREDIT_CODE_REQUIRED)
        return self

    def to_applicant(self) -> Applicant:
        return Applicant(kind=self.type, name=self.name, id_number=self.id_number, credit_code=self.credit_code,
                         phone=self.phone)


class CorrectionIn(StrictIn):
    name: ShortText
    note: str | None = Field(default=None, max_length=200)


class AdvanceIn(StrictIn):
    """A state change. 容缺 needs missing_materials + promise_text + materials_due_on; 补正 needs corrections;
    mailed needs carrier + tracking_number."""

    to: ApplicationStatus
    public_note: Note | None = Field(default=None, description="shown to the citizen on the timeline")
    internal_note: Note | None = Field(default=None, description="staff only")
    missing_materials: list[ShortText] = Field(default_factory=list, max_length=20)
    promise_text: str | None = Field(default=None, max_length=500, description="申请人书面承诺")
    materials_due_on: dt.date | None = None
    corrections: list[CorrectionIn] = Field(default_factory=list, max_length=20)
    corrections_due_on: dt.date | None = None
    pickup_place: str | None = Field(default=None, max_length=200)
    pickup_hours: str | None = Field(default=None, max_length=100)
    carrier: str | None = Field(default=None, max_length=20)
    tracking_number: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{4,40}$")

    def to_advance(self) -> Advance:
        return Advance(to=self.to, public_note=self.public_note, internal_note=self.internal_note,
                       missing_materials=self.missing_materials, promise_text=self.promise_text,
                       materials_due_on=self.materials_due_on,
                       corrections=[(c.name, c.note) for c in self.corrections],
                       corrections_due_on=self.corrections_due_on, pickup_place=self.pickup_place,
                       pickup_hours=self.pickup_hours, carrier=self.carrier, tracking_number=self.tracking_number)


class IntakeIn(StrictIn):
    item_code: str = Field(min_length=1, max_length=32)
    centre_id: Id
    window_id: Id | None = None
    appointment_id: Id | None = None
    applicant: ApplicantIn
    accept: AdvanceIn | None = Field(default=None, description="accept at once (to: accepted or 容缺)")


class BatchIn(StrictIn):
    item_code: str = Field(min_length=1, max_length=32)
    centre_id: Id
    title: ShortText
    business_name: ShortText
    credit_code: CreditCode | None = None
    appointment_id: Id | None = None
    members: list[ApplicantIn] = Field(min_length=1, max_length=500)
    accept: AdvanceIn | None = None


class BatchAdvanceIn(AdvanceIn):
    only_from: ApplicationStatus | None = Field(default=None, description="advance only members in this state")


class StaffListQuery(QueryModel):
    model_config = ConfigDict(extra="forbid")
    centre_id: Id | None = None
    status: ApplicationStatus | None = None
    overdue: bool = False
    materials_overdue: bool = False
    limit: int = Field(default=50, ge=1, le=200)
    before_id: Id | None = None


class MaterialPath(BaseModel):
    reference: Reference
    material_id: Id


# --- output ------------------------------------------------------------------------------------------------


class MaterialOut(BaseModel):
    id: int
    kind: MaterialKind = Field(description="deferred: 容缺 (owed on a promise); correction: 补正")
    name: str
    note: str | None
    due_on: dt.date
    received: bool
    reported_by_citizen_at: str | None
    overdue: bool


class EventOut(BaseModel):
    at: str
    kind: str
    title: str
    status: str | None
    status_name: str | None
    note: str | None
    by: str | None = Field(default=None, description="staff name; staff view only")
    internal_note: str | None = Field(default=None, description="staff view only")


class DeliveryOut(BaseModel):
    method: str | None
    pickup_place: str | None
    pickup_hours: str | None
    carrier: str | None
    tracking_number: str | None


class ApplicationSummary(BaseModel):
    reference: str
    item_code: str
    item_name: str
    centre_name: str
    status: str
    status_name: str
    due_on: dt.date | None
    overdue: bool
    paused: bool = Field(description="补正: the time limit is not counting")
    updated_at: str
    bundle_reference: str | None = Field(None, description="the 一件事 (parent case) this case is one item of; "
                                                            "rated and surveyed as a whole there")

    @classmethod
    def fields_of(cls, application: Application, today: dt.date, names: dict[str, str] = messages.STATUS_NAMES) -> dict:
        """The summary's fields; a citizen's list passes messages.CITIZEN_STATUS_NAMES (plain words)."""
        return dict(bundle_reference=application.bundle_case.reference if application.bundle_case_id else None,
                    reference=application.reference, item_code=application.item.code,
                    item_name=application.item.name, centre_name=application.centre.name,
                    status=application.status, status_name=names[application.status],
                    due_on=application.due_on, overdue=application.is_overdue(today),
                    paused=application.paused_on is not None, updated_at=local_iso(application.updated_at))


class BatchSummary(BaseModel):
    reference: str
    title: str
    progress: dict[str, int] = Field(description="status → members in it")


class ApplicationOut(ApplicationSummary):
    id: int = Field(description="what POST /api/v1/ratings takes as the application's id")
    applicant_type: str
    applicant_name: str
    accepted_on: dt.date | None
    time_limit_working_days: int | None
    promise_text: str | None
    materials: list[MaterialOut]
    delivery: DeliveryOut
    timeline: list[EventOut]
    batch: BatchSummary | None = None


class StaffApplicationOut(ApplicationOut):
    id_number_masked: str | None
    phone_masked: str | None
    credit_code: str | None
    linked_to_citizen: bool


class ApplicationList(BaseModel):
    applications: list[ApplicationSummary]


class BatchOut(BatchSummary):
    item_name: str
    business_name: str
    members: list[ApplicationSummary]


class BatchAdvanceOut(BaseModel):
    advanced: int
    progress: dict[str, int]



# --- 分支机构批量变更 filed by the business's agent ----------------------------------------------------------


class BranchFilingPath(BaseModel):
    business_id: Id
    batch_reference: Reference


class BusinessIdPath(BaseModel):
    business_id: Id


class BranchIn(StrictIn):
    name: Annotated[str, Field(min_length=1, max_length=40, description="分支机构名称")]
    credit_code: CreditCode


class BranchFilingIn(StrictIn):
    """One filing for many branches: the item (e.g. 药品经营许可证变更), the centre, a title, the branches (typed,
    or as POST /branch-lists read them from the XLSX), and the shared materials (file ids from POST /files)."""

    item_code: str = Field(min_length=1, max_length=32)
    centre_id: Id
    title: Annotated[str, Field(min_length=2, max_length=80, description="e.g. 30家门店经营范围变更")]
    branches: list[BranchIn] = Field(min_length=1, max_length=2000)
    material_ids: list[Id] = Field(default_factory=list, max_length=20, description="一套材料: shared by every branch")


class BranchListOut(BaseModel):
    branches: list[BranchIn]


class BranchRowOut(BaseModel):
    reference: str
    name: str
    credit_code: str
    status: str
    state: str = Field(description="in Chinese, e.g. 待补正, 已办结（准予）")
    outcome: Literal["approved", "rejected"] | None


class BranchFilingSummary(BaseModel):
    reference: str
    title: str
    item_name: str
    business_name: str
    branch_count: int
    phase: str
    phase_name: str
    filed_at: str | None
    completed_at: str | None


def branch_filing_fields(batch, phase: str, count: int) -> dict:
    """A branch filing's summary fields, from its batch (the parent case)."""
    return dict(reference=batch.reference, title=batch.title, item_name=batch.item.name,
                business_name=batch.business_name, branch_count=count, phase=phase,
                phase_name=messages.BRANCH_PHASES[phase], filed_at=local_iso(batch.created_at),
                completed_at=local_iso(batch.completed_at))


class BranchFilingOut(BranchFilingSummary):
    branches: list[BranchRowOut]
    material_ids: list[int]
    counts: dict[str, int] = Field(description="branches by state, in Chinese")

    @classmethod
    def of(cls, found) -> dict:
        counts: dict[str, int] = {}
        for row in found.branches:
            counts[row.state] = counts.get(row.state, 0) + 1
        return cls(**branch_filing_fields(found.batch, found.phase, len(found.branches)),
                   branches=[BranchRowOut(**row.__dict__) for row in found.branches],
                   material_ids=found.materials, counts=counts).model_dump(mode="json")


class BranchFilingList(BaseModel):
    branch_filings: list[BranchFilingSummary]


class BranchListForm(BaseModel):
    """`wx.uploadFile({name: "file"})`: the branch list as the company keeps it (XLSX or CSV; columns 分支机构名称,
    统一社会信用代码), read and checked whole; nothing is filed."""

    file: FileStorage = Field(description="XLSX or CSV, ≤900 KB")
