from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from miniapp_api.filing.forms import FormDefinition
from miniapp_api.filing.models import Filing
from miniapp_api.filing.services import CorrectionAnswer, FilingInput, MailTo, material_names
from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.schemas import QueryModel, StrictIn

FileIds = list[Annotated[int, Field(ge=1, le=2**62)]]


class ItemPath(BaseModel):
    code: str = Field(min_length=1, max_length=32)


class FilingPath(BaseModel):
    filing_id: int = Field(ge=1, le=2**62)



class FormQuery(QueryModel):
    business_id: int | None = Field(default=None, ge=1, le=2**62, description="the business applied for")


class FieldOut(BaseModel):
    key: str
    label: str
    type: Literal["text", "textarea", "number", "date", "choice"]
    required: bool
    max_length: int | None
    min: int | None
    max: int | None
    choices: list[str]


class MaterialOut(BaseModel):
    name: str
    key: bool = Field(description="必需材料: cannot be deferred (容缺)")


class CentreChoice(BaseModel):
    id: int
    name: str


class FormOut(BaseModel):
    item_code: str
    item_name: str
    applicant: Literal["person", "business"]
    fields: list[FieldOut]
    materials: list[MaterialOut]
    centres: list[CentreChoice]
    prefill: dict[str, Any] = Field(description="what the system already knows (profile, business, licence)")

    @classmethod
    def of(cls, item, definition: FormDefinition, centres, prefill: dict) -> dict:
        return cls(item_code=item.code, item_name=item.name, applicant=definition.applicant,
                   fields=[FieldOut(key=f.key, label=f.label, type=f.type, required=f.required,
                                    max_length=f.max_length, min=f.min, max=f.max, choices=list(f.choices))
                           for f in definition.fields],
                   materials=[MaterialOut(name=n, key=k) for n, k in material_names(item).items()],
                   centres=[CentreChoice(id=c.id, name=c.name) for c in centres], prefill=prefill).model_dump()


class StartIn(StrictIn):
    item_code: str = Field(min_length=1, max_length=32)
    centre_id: int = Field(ge=1, le=2**62, description="the centre that will handle it")
    business_id: int | None = Field(default=None, ge=1, le=2**62, description="for a business item: which business")


class MailIn(StrictIn):
    name: str = Field(min_length=1, max_length=40)
    phone: str = Field(min_length=11, max_length=11)
    address: str = Field(min_length=5, max_length=200)


class FilingIn(StrictIn):
    values: dict[str, Any] = Field(default_factory=dict, max_length=40)
    materials: dict[str, FileIds] = Field(default_factory=dict, max_length=30,
                                          description="material name → ids of files uploaded with POST /files")
    deferred: list[str] = Field(default_factory=list, max_length=20, description="non-key materials promised later")
    promise_text: str | None = Field(default=None, max_length=200)
    delivery: Literal["pickup", "mail"] = "pickup"
    mail: MailIn | None = None

    def to_input(self) -> FilingInput:
        return FilingInput(values=self.values, materials={k: v[:10] for k, v in self.materials.items()},
                           deferred=self.deferred, promise_text=self.promise_text, delivery=self.delivery,
                           mail=MailTo(**self.mail.model_dump()) if self.mail else None)


class MailOut(BaseModel):
    name: str
    phone: str
    address: str


class FilingOut(BaseModel):
    id: int
    item_code: str
    item_name: str
    centre_id: int
    centre_name: str
    business_id: int | None
    status: Literal["draft", "submitted"]
    values: dict[str, Any]
    materials: dict[str, FileIds]
    deferred: list[str]
    promise_text: str | None
    delivery: str
    mail: MailOut | None
    reference: str | None = Field(description="the case's 受理编号 once submitted")
    updated_at: str

    @classmethod
    def of(cls, filing: Filing, mail: MailTo | None, reference: str | None) -> dict:
        return cls(id=filing.id, item_code=filing.item.code, item_name=filing.item.name, centre_id=filing.centre_id,
                   centre_name=filing.centre.name, business_id=filing.business_id, status=filing.status,
                   values=filing.values, materials=filing.materials, deferred=filing.deferred,
                   promise_text=filing.promise_text, delivery=filing.delivery,
                   mail=MailOut(**mail.__dict__) if mail else None, reference=reference,
                   updated_at=local_iso(filing.updated_at) or "").model_dump()


class FilingList(BaseModel):
    filings: list[FilingOut]


class SubmittedOut(BaseModel):
    reference: str
    status: str


class AnswerIn(StrictIn):
    material_id: int = Field(ge=1, le=2**62)
    file_ids: FileIds = Field(min_length=1, max_length=10)
    note: str | None = Field(default=None, max_length=200)


class CorrectionsIn(StrictIn):
    answers: list[AnswerIn] = Field(min_length=1, max_length=20)

    def to_answers(self) -> list[CorrectionAnswer]:
        return [CorrectionAnswer(a.material_id, a.file_ids, a.note) for a in self.answers]


class StaffFilingOut(BaseModel):
    reference: str
    item_name: str
    values: list[dict[str, Any]] = Field(description="label and value, in the form's order")
    materials: list[dict[str, Any]] = Field(description="name, key, file ids (GET /api/staff/v1/files/{id})")
    deferred: list[str]
    promise_text: str | None
    delivery: str
    mail: MailOut | None
    submitted_at: str | None
