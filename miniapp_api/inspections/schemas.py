from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from miniapp_api.certificates.signing import KeyRing
from miniapp_api.inspections import messages
from miniapp_api.inspections.models import Inspection, InspectorSlot
from miniapp_api.inspections.services import Finding, seal_of
from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.schemas import Id, StrictIn


class SlotIn(StrictIn):
    centre_id: Id
    starts_at: dt.datetime = Field(description="with its UTC offset, e.g. 2026-11-25T10:00:00+08:00")
    minutes: int = Field(default=30, ge=10, le=240)

    @field_validator("starts_at")
    @classmethod
    def _with_offset(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError(messages.NEEDS_OFFSET)
        return value


class InspectorSlotOut(BaseModel):
    id: int
    staff_id: int
    centre_id: int
    starts_at: str
    ends_at: str

    @classmethod
    def of(cls, slot: InspectorSlot) -> dict:
        return cls(id=slot.id, staff_id=slot.staff_id, centre_id=slot.centre_id, starts_at=local_iso(slot.starts_at),
                   ends_at=local_iso(slot.ends_at)).model_dump()


class InspectorSlotList(BaseModel):
    slots: list[InspectorSlotOut]


class ScheduleIn(StrictIn):
    slot_id: Id
    video_link: str | None = Field(default=None, max_length=300, pattern=r"^https://",
                                   description="the city's video system (the call itself is out of scope)")


class InspectionPath(BaseModel):
    inspection_id: Id



class LineOut(BaseModel):
    key: str
    text: str
    evidence: Literal["photo", "none"]
    file_ids: list[int]
    ok: bool | None = None
    note: str | None = None


class SealOut(BaseModel):
    status: Literal["valid", "invalid", "key_revoked"] = Field(description="checked again at every display")
    verified: bool
    key_id: str = Field(description="the organisation's signing key that the seal names")
    text: str


class InspectionOut(BaseModel):
    id: int
    reference: str
    starts_at: str
    ends_at: str
    video_link: str | None
    status: Literal["scheduled", "concluded"]
    conclusion: Literal["pass", "correction"] | None
    signed_by: str | None
    signed_at: str | None
    seal: SealOut | None = Field(description="the conclusion's signature with the organisation's key, once concluded")
    lines: list[LineOut]

    @classmethod
    def of(cls, inspection: Inspection, keys: KeyRing) -> dict:
        findings = inspection.findings or {}
        seal = seal_of(keys, inspection)
        return cls(id=inspection.id, reference=inspection.application.reference,
                   starts_at=local_iso(inspection.slot.starts_at), ends_at=local_iso(inspection.slot.ends_at),
                   video_link=inspection.video_link, status=inspection.status, conclusion=inspection.conclusion,
                   signed_by=inspection.signed_by, signed_at=local_iso(inspection.signed_at),
                   seal=SealOut(status=seal.verdict.value, verified=seal.verified, key_id=seal.key_id,
                                text=seal.text) if seal else None,
                   lines=[LineOut(key=line["key"], text=line["text"], evidence=line.get("evidence", "none"),
                                  file_ids=inspection.evidence.get(line["key"], []),
                                  ok=findings.get(line["key"], {}).get("ok"),
                                  note=findings.get(line["key"], {}).get("note"))
                          for line in inspection.checklist]).model_dump()


class EvidenceIn(StrictIn):
    line: str = Field(min_length=1, max_length=40, description="the checklist line's key")
    file_ids: list[Id] = Field(min_length=1, max_length=9,
                                                                  description="images uploaded with POST /files")


class FindingIn(StrictIn):
    ok: bool
    note: str | None = Field(default=None, max_length=200)


class ConclusionIn(StrictIn):
    findings: dict[str, FindingIn] = Field(min_length=1, max_length=30)
    conclusion: Literal["pass", "correction"]

    def to_findings(self) -> dict[str, Finding]:
        return {key: Finding(f.ok, f.note) for key, f in self.findings.items()}
