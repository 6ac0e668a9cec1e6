from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from miniapp_api.applications import messages as application_messages
from miniapp_api.applications.models import BundleCase
from miniapp_api.applications.services import bundle_phase
from miniapp_api.filing import messages
from miniapp_api.filing.bundles import BundleDefinition
from miniapp_api.filing.forms import PROMISE_PREFIX, FormDefinition
from miniapp_api.filing.models import Filing
from miniapp_api.filing.services import CorrectionAnswer, FilingInput, MailTo, Offer, material_names
from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn

FileIds = list[Id]


class FormItemPath(BaseModel):
    code: str = Field(min_length=1, max_length=32)


class FilingPath(BaseModel):
    filing_id: Id



class FormQuery(QueryModel):
    business_id: Id | None = Field(default=None, description="the business applied for")


class FormFieldOut(BaseModel):
    key: str
    label: str
    type: Literal["text", "textarea", "number", "date", "choice"]
    required: bool
    max_length: int | None
    min: int | None
    max: int | None
    choices: list[str]


def field_out(f) -> FormFieldOut:
    return FormFieldOut(key=f.key, label=f.label, type=f.type, required=f.required, max_length=f.max_length, min=f.min,
                    max=f.max, choices=list(f.choices))


class FormMaterialOut(BaseModel):
    name: str
    key: bool = Field(description="必需材料: cannot be deferred (容缺)")


class PromiseOut(BaseModel):
    key: str
    condition: str = Field(description="the condition the applicant may meet by 告知承诺")
    text: str = Field(description="the promise text the applicant signs (confirms) in the app")
    instead_of: str | None = Field(description="the material the signed promise replaces")


def promise_out(p) -> PromiseOut:
    return PromiseOut(key=p.key, condition=p.condition, text=p.text, instead_of=p.instead_of)


class CentreChoice(BaseModel):
    id: int
    name: str


class OnlineFormOut(BaseModel):
    item_code: str
    item_name: str
    applicant: Literal["person", "business"]
    fields: list[FormFieldOut]
    materials: list[FormMaterialOut]
    promises: list[PromiseOut] = Field(description="告知承诺: conditions met by signing (optional, each)")
    centres: list[CentreChoice]
    prefill: dict[str, Any] = Field(description="what the system already knows (profile, business, licence)")

    @classmethod
    def of(cls, item, definition: FormDefinition, centres, prefill: dict) -> dict:
        return cls(item_code=item.code, item_name=item.name, applicant=definition.applicant,
                   fields=[field_out(f) for f in definition.fields],
                   materials=[FormMaterialOut(name=n, key=k) for n, k in material_names(item, definition).items()],
                   promises=[promise_out(p) for p in definition.promises],
                   centres=[CentreChoice(id=c.id, name=c.name) for c in centres], prefill=prefill).model_dump()


class StartIn(StrictIn):
    item_code: str | None = Field(default=None, min_length=1, max_length=32, description="one item, or…")
    bundle_code: str | None = Field(default=None, min_length=1, max_length=40, description="…a 一件事 bundle")
    centre_id: Id = Field(description="the centre that will handle it (every item, for a bundle)")
    business_id: Id | None = Field(default=None, description="for a business item: which business")

    @model_validator(mode="after")
    def _one_of(self) -> StartIn:
        if (self.item_code is None) == (self.bundle_code is None):
            raise ValueError(messages.ITEM_OR_BUNDLE)
        return self


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
    promises: list[str] = Field(default_factory=list, max_length=10,
                                description="告知承诺 the applicant signs: keys of the form's promises (confirmed text)")

    def to_input(self) -> FilingInput:
        return FilingInput(values=self.values, materials={k: v[:10] for k, v in self.materials.items()},
                           deferred=self.deferred, promise_text=self.promise_text, delivery=self.delivery,
                           mail=MailTo(**self.mail.model_dump()) if self.mail else None, promises=self.promises)


class MailOut(BaseModel):
    name: str
    phone: str
    address: str


class FilingOut(BaseModel):
    id: int
    item_code: str | None = Field(description="the item; None for a 一件事 bundle")
    bundle_code: str | None
    item_name: str = Field(description="the item's or the bundle's name")
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
    reference: str | None = Field(description="the case's 受理编号 once submitted (the parent case's, for a bundle)")
    promises: dict[str, str] = Field(default_factory=dict, description="告知承诺 signed: key → when (local time)")
    updated_at: str

    @classmethod
    def of(cls, filing: Filing, mail: MailTo | None, reference: str | None, bundle_name: str | None) -> dict:
        return cls(id=filing.id, item_code=filing.item.code if filing.item else None, bundle_code=filing.bundle_code,
                   item_name=filing.item.name if filing.item else bundle_name or "", centre_id=filing.centre_id,
                   centre_name=filing.centre.name, business_id=filing.business_id, status=filing.status,
                   values={k: v for k, v in filing.values.items() if not k.startswith(PROMISE_PREFIX)},
                   promises={k.removeprefix(PROMISE_PREFIX): v for k, v in filing.values.items()
                             if k.startswith(PROMISE_PREFIX)},
                   materials=filing.materials, deferred=filing.deferred,
                   promise_text=filing.promise_text, delivery=filing.delivery,
                   mail=MailOut(**mail.__dict__) if mail else None, reference=reference,
                   updated_at=local_iso(filing.updated_at) or "").model_dump()


class FilingList(BaseModel):
    filings: list[FilingOut]


class SubmittedOut(BaseModel):
    reference: str
    status: str
    kind: Literal["application", "bundle"] = Field("application", description="a bundle's parent case (一件事)")


class CorrectionAnswerIn(StrictIn):
    material_id: Id
    file_ids: FileIds = Field(min_length=1, max_length=10)
    note: str | None = Field(default=None, max_length=200)


class CorrectionsIn(StrictIn):
    answers: list[CorrectionAnswerIn] = Field(min_length=1, max_length=20)

    def to_answers(self) -> list[CorrectionAnswer]:
        return [CorrectionAnswer(a.material_id, a.file_ids, a.note) for a in self.answers]


class StaffFilingOut(BaseModel):
    reference: str
    item_name: str
    bundle_reference: str | None = Field(description="the 一件事 this case is one item of (its parent case)")
    bundle_title: str | None
    values: list[dict[str, Any]] = Field(description="label and value, in the form's order")
    materials: list[dict[str, Any]] = Field(description="name, key, file ids (GET /api/staff/v1/files/{id})")
    deferred: list[str]
    promise_text: str | None
    delivery: str
    mail: MailOut | None
    submitted_at: str | None
    promises: list[dict[str, Any]] = Field(default_factory=list,
                                           description="告知承诺 signed: condition, text, signed_at")


# --- 一件事 bundles -----------------------------------------------------------------------------------


class BundlePath(BaseModel):
    code: str = Field(min_length=1, max_length=40)


class BundleReference(BaseModel):
    bundle_reference: str = Field(pattern=r"^YJ\d{8}-[2-9A-HJ-NP-Z]{6}$", description="一件事受理编号, e.g. YJ20261123-7KQ4MX")


class BundleItemOut(BaseModel):
    code: str
    name: str
    department: str
    time_limit_working_days: int | None


class BundleOut(BaseModel):
    code: str
    name: str
    summary: str
    applicant: Literal["person", "business"]
    items: list[BundleItemOut]

    @classmethod
    def of(cls, offer: Offer) -> BundleOut:
        bundle = offer.bundle
        assert bundle is not None
        departments = bundle.departments
        return cls(code=bundle.code, name=bundle.name, summary=bundle.summary, applicant=bundle.applicant,
                   items=[BundleItemOut(code=i.code, name=i.name, department=departments[i.name],
                                        time_limit_working_days=i.time_limit_working_days) for i in offer.items])


class BundleList(BaseModel):
    bundles: list[BundleOut]


class SetMaterialOut(FormMaterialOut):
    items: list[str] = Field(description="the items that need it (asked for once)")


class NotNeededOut(BaseModel):
    name: str
    reason: str


class BundleFormOut(BundleOut):
    """The shared form (一表申请) and the one material set (一套材料); same shape as an item's form."""

    fields: list[FormFieldOut]
    materials: list[SetMaterialOut]
    not_needed: list[NotNeededOut]
    centres: list[CentreChoice] = Field(description="centres that handle every item of the bundle")
    prefill: dict[str, Any]

    @classmethod
    def of_form(cls, offer: Offer, centres, prefill: dict) -> dict:
        bundle: BundleDefinition = offer.bundle  # type: ignore[assignment]
        return cls(**BundleOut.of(offer).model_dump(),
                   fields=[field_out(f) for f in offer.form.fields],
                   materials=[SetMaterialOut(name=n, key=k, items=list(offer.needed_by[n]))
                              for n, k in offer.materials.items()],
                   not_needed=[NotNeededOut(name=n, reason=r) for n, r in bundle.not_needed.items()],
                   centres=[CentreChoice(id=c.id, name=c.name) for c in centres], prefill=prefill).model_dump()


class BundleSlotsQuery(QueryModel):
    centre_id: Id
    date: dt.date


class BundleSlotOut(BaseModel):
    slot_id: int
    window_name: str
    starts_at: str
    ends_at: str = Field(description="when the visit ends: every item of the bundle in one sitting")
    slots_taken: int = Field(description="consecutive slots the visit takes")


class BundleSlotList(BaseModel):
    date: str
    item_codes: list[str] = Field(description="book with POST /appointments and these item_codes")
    slots: list[BundleSlotOut]


class ChildOut(BaseModel):
    reference: str
    item_name: str
    department: str
    status: str
    status_name: str
    due_on: str | None
    paused: bool


class TimelineLine(BaseModel):
    at: str
    item_name: str
    title: str
    status_name: str | None
    note: str | None


class BundleCaseOut(BaseModel):
    id: int
    reference: str
    title: str
    phase: str
    phase_name: str
    receiving_province: str | None
    centre_name: str
    children: list[ChildOut]
    timeline: list[TimelineLine] = Field(description="every item's public events, oldest first")
    completed_at: str | None
    can_rate: bool

    @classmethod
    def of(cls, bundle: BundleCase, departments: dict[str, str], rated: bool) -> dict:
        names = application_messages.STATUS_NAMES
        phase = bundle_phase(bundle.children)
        lines = sorted(((e.at, c.item.name, e) for c in bundle.children for e in c.events if e.visible_to_citizen),
                       key=lambda row: (row[0], row[2].id))
        return cls(
            id=bundle.id, reference=bundle.reference, title=bundle.title, phase=phase,
            phase_name=application_messages.BUNDLE_PHASES[phase], receiving_province=bundle.receiving_province,
            centre_name=bundle.centre.name,
            children=[ChildOut(reference=c.reference, item_name=c.item.name,
                               department=departments.get(c.item.name, c.item.department or ""), status=c.status,
                               status_name=names[c.status], due_on=c.due_on.isoformat() if c.due_on else None,
                               paused=c.paused_on is not None) for c in bundle.children],
            timeline=[TimelineLine(at=local_iso(at) or "", item_name=item_name,
                                   title=application_messages.EVENT_NAMES.get(e.kind, e.kind),
                                   status_name=names.get(e.to_status) if e.to_status else None, note=e.public_note)
                      for at, item_name, e in lines],
            completed_at=local_iso(bundle.completed_at), can_rate=bundle.completed_at is not None and not rated,
        ).model_dump()


class BundleCaseSummary(BaseModel):
    reference: str
    title: str
    phase: str
    phase_name: str
    items: list[str]

    @classmethod
    def of(cls, bundle: BundleCase) -> dict:
        phase = bundle_phase(bundle.children)
        return cls(reference=bundle.reference, title=bundle.title, phase=phase,
                   phase_name=application_messages.BUNDLE_PHASES[phase],
                   items=[c.item.name for c in bundle.children]).model_dump()


class BundleCaseList(BaseModel):
    bundle_cases: list[BundleCaseSummary]
