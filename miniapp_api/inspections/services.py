"""远程踏勘: instead of a site visit, an inspector checks the premises on a video call against the item's
checklist. Inspectors offer times (their calendar); staff schedule a case's inspection in one of them (one
inspection per time, under the slot's row lock); the applicant uploads the photos the checklist asks for,
before or during the session; the inspector records a finding per line and signs the conclusion, which
enters the case's timeline and either passes or sends the case back to 补正 with the failed lines.

The conclusion is sealed with the organisation's key, the one that signs electronic certificates (the
certificates domain keeps the key ring; this module uses it, nothing more): over the case, the inspector (staff
id and name), every checklist line with its finding, the conclusion and the time. Whoever displays it checks the
seal again, so a record changed in the database afterwards reads as 验证失败."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.applications import services as applications
from miniapp_api.applications.models import Application, ApplicationStatus
from miniapp_api.certificates.signing import KeyRing, Verdict
from miniapp_api.citizens.models import Citizen
from miniapp_api.files import services as files
from miniapp_api.inspections import messages
from miniapp_api.inspections.models import Inspection, InspectorSlot
from miniapp_api.notifications.services import notify
from miniapp_api.platform.clock import SHANGHAI, local_date
from miniapp_api.platform.errors import ILLEGAL_TRANSITION, VALIDATION_FAILED, DomainError, NotFound
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import require_centre, visible_centre_ids

INSPECTION_NOT_FOUND = "inspection_not_found"
EVIDENCE_KINDS = ("image", "video")     # photos, or a short video of the site
SLOT_TAKEN = "slot_taken"
S = ApplicationStatus
SCHEDULABLE = (S.ACCEPTED, S.ACCEPTED_PENDING_MATERIALS, S.IN_REVIEW)


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, code=VALIDATION_FAILED, status=422, fields={field: message})


def not_found() -> NotFound:
    return NotFound(messages.INSPECTION_NOT_FOUND, code=INSPECTION_NOT_FOUND)


@cache
def checklists() -> dict[str, list[dict[str, str]]]:
    return yaml.safe_load((Path(__file__).parent / "checklists.yaml").read_text(encoding="utf-8"))["checklists"]


def checklist_for(item_name: str) -> list[dict[str, str]] | None:
    return checklists().get(item_name)


def _when(moment: datetime) -> str:
    local = moment.astimezone(SHANGHAI)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


# --- the inspector's calendar ----------------------------------------------------------------------------


def add_slot(session: Session, staff: Staff, *, centre_id: int, starts_at: datetime, minutes: int,
             now: datetime) -> InspectorSlot:
    require_centre(session, staff, centre_id)
    if starts_at <= now:
        raise _invalid("starts_at", messages.SLOT_IN_PAST)
    ends_at = starts_at + timedelta(minutes=minutes)
    session.execute(select(Staff.id).where(Staff.id == staff.id).with_for_update())   # one calendar edit at a time
    overlapping = session.scalar(select(InspectorSlot.id).where(
        InspectorSlot.staff_id == staff.id, InspectorSlot.starts_at < ends_at, InspectorSlot.ends_at > starts_at))
    if overlapping is not None:
        raise _invalid("starts_at", messages.SLOT_OVERLAPS)
    slot = InspectorSlot(staff_id=staff.id, centre_id=centre_id, starts_at=starts_at, ends_at=ends_at)
    session.add(slot)
    session.flush()
    return slot


def free_slots(session: Session, staff: Staff, now: datetime) -> list[InspectorSlot]:
    """Future times of the caller's centres' inspectors not taken yet, soonest first."""
    taken = select(Inspection.slot_id)
    return list(session.scalars(select(InspectorSlot).where(
        InspectorSlot.centre_id.in_(visible_centre_ids(session, staff)), InspectorSlot.starts_at > now,
        InspectorSlot.id.not_in(taken)).order_by(InspectorSlot.starts_at, InspectorSlot.id).limit(200)))


# --- scheduling ------------------------------------------------------------------------------------------


def schedule(session: Session, staff: Staff, application: Application, *, slot_id: int, video_link: str | None,
             now: datetime) -> Inspection:
    checklist = checklist_for(application.item.name)
    if checklist is None:
        raise _invalid("slot_id", messages.NO_CHECKLIST)
    if application.status not in SCHEDULABLE:
        raise DomainError(messages.NOT_IN_REVIEW, code=ILLEGAL_TRANSITION, status=409)
    slot = session.scalars(select(InspectorSlot).where(InspectorSlot.id == slot_id,
                                                       InspectorSlot.centre_id == application.centre_id)
                           .with_for_update()).one_or_none()
    if slot is None:
        raise NotFound(messages.SLOT_NOT_FOUND, code="slot_not_found")
    if slot.starts_at <= now:
        raise _invalid("slot_id", messages.SLOT_IN_PAST)
    if session.scalar(select(Inspection.id).where(Inspection.slot_id == slot.id)) is not None:
        raise DomainError(messages.SLOT_TAKEN, code=SLOT_TAKEN, status=409)
    if session.scalar(select(Inspection.id).where(Inspection.application_id == application.id)) is not None:
        raise DomainError(messages.ALREADY_SCHEDULED, code=ILLEGAL_TRANSITION, status=409)
    inspector = session.get(Staff, slot.staff_id)
    inspection = Inspection(application_id=application.id, inspector_staff_id=slot.staff_id, slot_id=slot.id,
                            video_link=video_link, checklist=checklist, evidence={}, status="scheduled",
                            created_at=now)
    session.add(inspection)
    session.flush()
    applications.record_staff_event(session, application, staff, "inspection", now, messages.EVENT_SCHEDULED.format(
        when=_when(slot.starts_at), inspector=inspector.display_name if inspector else ""))
    lines = "、".join(line["text"] for line in checklist if line.get("evidence") == "photo")
    for citizen_id in applications.recipients(application):
        notify(session, citizen_id=citizen_id, kind="application_status", title=messages.TITLE_SCHEDULED,
               body=messages.BODY_SCHEDULED.format(item=application.item.name, reference=application.reference,
                                                   when=_when(slot.starts_at), lines=lines or messages.NO_LINES,
                                                   link=video_link or messages.LINK_LATER),
               context={"item": application.item.name, "reference": application.reference,
                        "status": messages.PHRASE_SCHEDULED, "tip": messages.TIP_SCHEDULED},
               page=applications.PAGE.format(ref=application.reference), now=now,
               subject=("inspection", inspection.id), dedupe_key=f"inspection:{inspection.id}:scheduled:{citizen_id}")
    return inspection


def _of_application(session: Session, application: Application, *, lock: bool = False) -> Inspection:
    statement = select(Inspection).where(Inspection.application_id == application.id)
    found = session.scalars(statement.with_for_update() if lock else statement).one_or_none()
    if found is None:
        raise not_found()
    return found


def for_citizen(session: Session, citizen: Citizen, reference: str, *, lock: bool = False) -> Inspection:
    return _of_application(session, applications.citizen_application(session, citizen.id, reference), lock=lock)


def for_staff(session: Session, staff: Staff, inspection_id: int, *, lock: bool = False) -> Inspection:
    statement = select(Inspection).join(Application, Application.id == Inspection.application_id).where(
        Inspection.id == inspection_id, Application.centre_id.in_(visible_centre_ids(session, staff)))
    found = session.scalars(statement.with_for_update(of=Inspection) if lock else statement).one_or_none()
    if found is None:
        raise not_found()
    return found


def staff_inspections(session: Session, staff: Staff) -> list[Inspection]:
    """The caller's own inspections still to conclude, soonest first."""
    return list(session.scalars(select(Inspection).join(InspectorSlot, InspectorSlot.id == Inspection.slot_id)
                                .where(Inspection.inspector_staff_id == staff.id, Inspection.status == "scheduled")
                                .order_by(InspectorSlot.starts_at)))


# --- evidence and conclusion ------------------------------------------------------------------------------


def add_evidence(session: Session, citizen: Citizen, reference: str, line: str, file_ids: list[int],
                 now: datetime) -> Inspection:
    """The applicant's photos or short videos for one checklist line, before or during the session (added up)."""
    inspection = for_citizen(session, citizen, reference, lock=True)
    if inspection.status != "scheduled":
        raise DomainError(messages.CONCLUDED, code=ILLEGAL_TRANSITION, status=409)
    spec = next((item for item in inspection.checklist if item["key"] == line), None)
    if spec is None:
        raise _invalid("line", messages.UNKNOWN_LINE)
    if spec.get("evidence") != "photo":
        raise _invalid("line", messages.NO_EVIDENCE_NEEDED)
    application = inspection.application
    files.attach(session, citizen.id, file_ids, subject=("application", application.id),
                 centre_id=application.centre_id, field="file_ids", kinds=EVIDENCE_KINDS, now=now)
    inspection.evidence = {**inspection.evidence, line: list(dict.fromkeys([*inspection.evidence.get(line, []),
                                                                             *file_ids]))}
    session.flush()
    return inspection


@dataclass(frozen=True)
class Finding:
    ok: bool
    note: str | None = None


def conclude(session: Session, keys: KeyRing, staff: Staff, inspection: Inspection, findings: dict[str, Finding],
             conclusion: str, now: datetime) -> Inspection:
    """The inspector's findings line by line and the signed conclusion: 通过 enters the timeline; 需补正 sends the
    case back to 补正 with each failed line and its note."""
    if inspection.inspector_staff_id != staff.id:
        raise DomainError(messages.NOT_YOUR_INSPECTION, code="not_the_inspector", status=403)
    if inspection.status != "scheduled":
        raise DomainError(messages.CONCLUDED, code=ILLEGAL_TRANSITION, status=409)
    errors = {f"findings.{line['key']}": messages.FINDING_MISSING for line in inspection.checklist
              if line["key"] not in findings}
    errors |= {f"findings.{key}": messages.UNKNOWN_LINE for key in findings
               if key not in {line["key"] for line in inspection.checklist}}
    failed = [line for line in inspection.checklist if line["key"] in findings and not findings[line["key"]].ok]
    if not errors and conclusion == "correction" and not failed:
        errors["conclusion"] = messages.CORRECTION_NEEDS_FAILURE
    if not errors and conclusion == "pass" and failed:
        errors["conclusion"] = messages.PASS_WITH_FAILURE
    if errors:
        raise DomainError(next(iter(errors.values())), code=VALIDATION_FAILED, status=422, fields=errors)
    recorded: dict[str, Any] = {key: {"ok": f.ok, "note": f.note} for key, f in findings.items()}
    application = inspection.application
    inspection.findings, inspection.conclusion, inspection.status = recorded, conclusion, "concluded"
    inspection.signed_by, inspection.signed_at = staff.display_name, now
    inspection.signature = keys.seal(signed_payload(inspection))
    if conclusion == "pass":
        applications.record_staff_event(session, application, staff, "inspection", now,
                                        messages.EVENT_PASSED.format(inspector=staff.display_name))
    else:
        if application.status != S.IN_REVIEW:
            applications.advance(session, staff, application, applications.Advance(S.IN_REVIEW), now)
        applications.advance(session, staff, application, applications.Advance(
            S.NEEDS_CORRECTION, corrections=[(line["text"], findings[line["key"]].note) for line in failed],
            public_note=messages.EVENT_CORRECTION.format(lines="、".join(line["text"] for line in failed))), now)
    session.flush()
    return inspection


# --- the seal -------------------------------------------------------------------------------------------


def signed_payload(inspection: Inspection) -> dict[str, Any]:
    """What the inspector's seal covers, built from the stored record (the same function at signing and at every
    check): the case, the inspector, each checklist line as it was checked with its finding, the conclusion and
    the instant (UTC)."""
    findings = inspection.findings or {}
    signed_at = inspection.signed_at.astimezone(UTC).isoformat() if inspection.signed_at else ""
    return {"kind": "inspection_conclusion", "reference": inspection.application.reference,
            "inspector": {"staff_id": str(inspection.inspector_staff_id), "name": inspection.signed_by or ""},
            "findings": [{"line": line["key"], "text": line["text"], "ok": findings.get(line["key"], {}).get("ok"),
                          "note": findings.get(line["key"], {}).get("note") or ""}
                         for line in inspection.checklist],
            "conclusion": inspection.conclusion or "", "signed_at": signed_at}


@dataclass(frozen=True)
class Seal:
    verdict: Verdict
    key_id: str

    @property
    def verified(self) -> bool:
        return self.verdict is Verdict.VALID

    @property
    def text(self) -> str:
        return {Verdict.VALID: messages.SEAL_VALID, Verdict.KEY_REVOKED: messages.SEAL_KEY_REVOKED,
                Verdict.INVALID: messages.SEAL_INVALID}[self.verdict].format(key_id=self.key_id)


def seal_of(keys: KeyRing, inspection: Inspection) -> Seal | None:
    """The concluded inspection's seal checked now (None before it is concluded). A key revoked from a date
    counts against conclusions signed on or after that day (Asia/Shanghai)."""
    if inspection.status != "concluded":
        return None
    signed_on = local_date(inspection.signed_at) if inspection.signed_at else None
    verdict, key_id = keys.check_seal(signed_payload(inspection), inspection.signature, signed_on)
    return Seal(verdict, key_id)
