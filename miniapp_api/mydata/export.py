"""Building one 我的数据 export: the citizen's rows, section by section, into a JSON file and a readable PDF.

Memory stays bounded whatever the account holds: every section is read through a server-side cursor CHUNK rows
at a time (`yield_per`), each row is written to the JSON file on disk as it comes and then dropped, and the PDF
shows at most PDF_ROWS rows per section (the newest; the JSON has them all), because reportlab keeps a document's
pages in memory until it is saved. So a build holds about CHUNK rows plus a PDF of at most
len(SECTIONS) × PDF_ROWS lines, for an account with ten rows or a million.

What belongs to the account is decided as for 注销 (appointments.services.own_appointments): the bookings for
its own person (including those relatives made for it under an authorisation) and those it made for others by
name; the cases it applied for or is the named proxy of; its feedback, 帮办 requests and ratings; the messages its message
centre shows; the authorisations on both sides; its business links; the certificates it holds. The ID number and
phone are decrypted only into the files.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import structlog
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from miniapp_api.appointments.services import own_appointments, person_hashes
from miniapp_api.applications import messages as application_messages
from miniapp_api.applications.models import Application
from miniapp_api.appointments import messages as appointment_messages
from miniapp_api.appointments.models import Appointment, AppointmentItem
from miniapp_api.assistance import messages as assistance_messages
from miniapp_api.assistance.models import AssistanceRequest
from miniapp_api.businesses import messages as business_messages
from miniapp_api.businesses.models import Business, BusinessLink
from miniapp_api.centres.models import Centre, ServiceItem, Window
from miniapp_api.certificates import messages as certificate_messages
from miniapp_api.certificates import services as certificates
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, PHONE_CONTEXT
from miniapp_api.feedback import messages as feedback_messages
from miniapp_api.feedback.models import Feedback
from miniapp_api.identity import messages as identity_messages
from miniapp_api.identity import services as identity
from miniapp_api.mydata import messages, services
from miniapp_api.mydata.models import DataExport, ExportState
from miniapp_api.mydata.render import PdfWriter
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.services import visible_messages
from miniapp_api.platform.clock import chinese_time, local_iso
from miniapp_api.platform.privacy import FieldCipher
from miniapp_api.platform.storage import Storage
from miniapp_api.ratings import messages as rating_messages
from miniapp_api.ratings.models import Rating
from miniapp_api.staff.models import Staff

log = structlog.get_logger(__name__)

CHUNK = 500        # rows read from the database at a time
PDF_ROWS = 200     # rows per section in the PDF (newest first); the JSON holds every row

Row = dict[str, Any]


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    return local_iso(value) if isinstance(value, datetime) else value.isoformat()


def _when(value: datetime | None) -> str:
    return chinese_time(value) if value else "—"


def _streamed(session: Session, statement) -> Iterator[Any]:
    """The statement's rows through a server-side cursor, CHUNK at a time."""
    for partition in session.execute(statement.execution_options(yield_per=CHUNK)).partitions():
        yield from partition


@dataclass(frozen=True)
class Section:
    name: str
    rows: Callable[[Session, Citizen, datetime], Iterator[Row]]
    extras: Callable[[Row], Row]         # values the PDF's line (messages.PDF_LINES) needs beyond the row


def _bookings(session: Session, citizen: Citizen, now: datetime) -> Iterator[Row]:
    items = (select(func.string_agg(ServiceItem.name, "、"))
             .join(AppointmentItem, AppointmentItem.item_id == ServiceItem.id)
             .where(AppointmentItem.appointment_id == Appointment.id).scalar_subquery())
    statement = (select(Appointment.id, Appointment.person_name, Appointment.proxy_relation, Centre.name,
                        Window.name, items, Appointment.starts_at, Appointment.ends_at, Appointment.status,
                        Appointment.cancel_reason, Appointment.created_at)
                 .join(Centre, Centre.id == Appointment.centre_id).join(Window, Window.id == Appointment.window_id)
                 .where(own_appointments(citizen.id, person_hashes(citizen))).order_by(Appointment.id.desc()))
    for row in _streamed(session, statement):
        yield {"id": row[0], "person_name": row[1], "booked_for_relation": row[2], "centre": row[3], "window": row[4],
               "items": row[5], "starts_at": _iso(row[6]), "ends_at": _iso(row[7]), "status": row[8],
               "status_name": appointment_messages.STATUS_NAMES.get(row[8], row[8]), "cancel_reason": row[9],
               "booked_at": _iso(row[10])}


def _applications(session: Session, citizen: Citizen, now: datetime) -> Iterator[Row]:
    statement = (select(Application.reference, ServiceItem.name, Centre.name, Application.applicant_name,
                        Application.citizen_id, Application.status, Application.accepted_on, Application.due_on,
                        Application.delivery, Application.created_at, Application.completed_at)
                 .join(ServiceItem, ServiceItem.id == Application.item_id)
                 .join(Centre, Centre.id == Application.centre_id)
                 .where(or_(Application.citizen_id == citizen.id, Application.proxy_citizen_id == citizen.id))
                 .order_by(Application.id.desc()))
    for row in _streamed(session, statement):
        yield {"reference": row[0], "item": row[1], "centre": row[2], "applicant_name": row[3],
               "my_part": "applicant" if row[4] == citizen.id else "proxy", "status": row[5],
               "status_name": application_messages.STATUS_NAMES.get(row[5], row[5]), "accepted_on": _iso(row[6]),
               "due_on": _iso(row[7]), "delivery": row[8], "created_at": _iso(row[9]), "completed_at": _iso(row[10])}


def _feedback(session: Session, citizen: Citizen, now: datetime) -> Iterator[Row]:
    statement = (select(Feedback.id, Feedback.kind, Feedback.text, Centre.name, Feedback.location, Feedback.anonymous,
                        Feedback.status, Feedback.answer, Feedback.answered_at, Feedback.created_at)
                 .outerjoin(Centre, Centre.id == Feedback.centre_id).where(Feedback.citizen_id == citizen.id)
                 .order_by(Feedback.id.desc()))
    for row in _streamed(session, statement):
        yield {"id": row[0], "kind": row[1], "kind_name": feedback_messages.KIND_NAMES.get(row[1], row[1]),
               "text": row[2], "centre": row[3], "location": row[4], "anonymous": row[5], "status": row[6],
               "status_name": feedback_messages.STATUS_NAMES.get(row[6], row[6]), "answer": row[7],
               "answered_at": _iso(row[8]), "created_at": _iso(row[9])}


def _assistance(session: Session, citizen: Citizen, now: datetime) -> Iterator[Row]:
    helper = aliased(Staff)
    statement = (select(AssistanceRequest.id, Centre.name, ServiceItem.name, AssistanceRequest.situation,
                        AssistanceRequest.status, helper.display_name, AssistanceRequest.created_at,
                        AssistanceRequest.closed_at, AssistanceRequest.close_note)
                 .join(Centre, Centre.id == AssistanceRequest.centre_id)
                 .outerjoin(ServiceItem, ServiceItem.id == AssistanceRequest.item_id)
                 .outerjoin(helper, helper.id == AssistanceRequest.helper_staff_id)
                 .where(AssistanceRequest.citizen_id == citizen.id).order_by(AssistanceRequest.id.desc()))
    for row in _streamed(session, statement):
        yield {"id": row[0], "centre": row[1], "item": row[2], "situation": row[3], "status": row[4],
               "status_name": assistance_messages.STATUS_NAMES.get(row[4], row[4]), "helper": row[5],
               "created_at": _iso(row[6]), "closed_at": _iso(row[7]), "close_note": row[8]}


def _ratings(session: Session, citizen: Citizen, now: datetime) -> Iterator[Row]:
    statement = (select(Rating.id, Rating.target_type, Rating.target_id, Rating.level, Rating.tags, Rating.comment,
                        Centre.name, Rating.created_at)
                 .join(Centre, Centre.id == Rating.centre_id).where(Rating.citizen_id == citizen.id)
                 .order_by(Rating.id.desc()))
    for row in _streamed(session, statement):
        yield {"id": row[0], "target_type": row[1], "target_id": row[2], "level": row[3],
               "level_name": rating_messages.LEVEL_NAMES.get(row[3], str(row[3])), "tags": row[4], "comment": row[5],
               "centre": row[6], "created_at": _iso(row[7])}


def _messages(session: Session, citizen: Citizen, now: datetime) -> Iterator[Row]:
    statement = (select(Notification.id, Notification.title, Notification.body, Notification.created_at,
                        Notification.read_at, Notification.sent_at, Notification.channel)
                 .where(*visible_messages(citizen.id, now)).order_by(Notification.id.desc()))
    for row in _streamed(session, statement):
        yield {"id": row[0], "title": row[1], "body": row[2], "created_at": _iso(row[3]), "read_at": _iso(row[4]),
               "pushed_at": _iso(row[5]), "pushed_by": row[6]}


def _relatives(session: Session, citizen: Citizen, now: datetime) -> Iterator[Row]:
    """Both sides; never the other person's ID number (it is theirs, not the caller's)."""
    mine, for_me = identity.authorisations_of(session, citizen, now)
    for side, authorisations in (("i_act_for", mine), ("acts_for_me", for_me)):
        for authorisation in authorisations:
            other = authorisation.principal_name if side == "i_act_for" else None
            if other is None and authorisation.delegate_id:
                delegate = session.get(Citizen, authorisation.delegate_id)
                other = delegate.real_name if delegate else None
            yield {"id": authorisation.id, "side": side, "side_name": messages.RELATIVE_SIDES[side],
                   "other_person": other, "relation": authorisation.relation, "scopes": list(authorisation.scopes),
                   "scope_names": [identity_messages.SCOPE_NAMES.get(s, s) for s in authorisation.scopes],
                   "status": authorisation.status,
                   "status_name": identity_messages.STATUS_NAMES.get(authorisation.status, authorisation.status),
                   "created_at": _iso(authorisation.created_at), "expires_at": _iso(authorisation.expires_at),
                   "revoked_at": _iso(authorisation.revoked_at)}


def _businesses(session: Session, citizen: Citizen, now: datetime) -> Iterator[Row]:
    statement = (select(Business.name, Business.credit_code, BusinessLink.role, BusinessLink.source,
                        BusinessLink.created_at, BusinessLink.expires_at, BusinessLink.revoked_at)
                 .join(Business, Business.id == BusinessLink.business_id)
                 .where(BusinessLink.citizen_id == citizen.id).order_by(BusinessLink.id.desc()))
    for row in _streamed(session, statement):
        yield {"business": row[0], "credit_code": row[1], "role": row[2],
               "role_name": business_messages.ROLE_NAMES.get(row[2], row[2]), "source": row[3],
               "linked_at": _iso(row[4]), "expires_at": _iso(row[5]), "ended_at": _iso(row[6])}


def _certificates(session: Session, citizen: Citizen, now: datetime) -> Iterator[Row]:
    # A person holds few certificates: the list the 证照 page shows, read whole.
    for certificate in certificates.for_citizen(session, citizen):
        yield {"identifier": certificate.identifier, "type_name": certificate.type_name,
               "holder_name": certificate.holder_name, "issuing_centre": certificate.issuing_centre.name,
               "issued_on": _iso(certificate.issued_on), "expires_on": _iso(certificate.expires_on),
               "status": certificate.status,
               "status_name": certificate_messages.STATUS_NAMES.get(certificate.status, certificate.status)}


def _minute(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ")


SECTIONS = (
    Section("bookings", _bookings, lambda r: {"when": _minute(r["starts_at"])}),
    Section("applications", _applications, lambda r: {}),
    Section("feedback", _feedback, lambda r: {"day": r["created_at"][:10], "answer_part": messages.PDF_ANSWER.format(
        answer=r["answer"]) if r["answer"] else ""}),
    Section("assistance", _assistance, lambda r: {
        "day": r["created_at"][:10], "about": r["item"] or r["situation"] or "",
        "close_part": messages.PDF_CLOSE_NOTE.format(note=r["close_note"]) if r["close_note"] else ""}),
    Section("ratings", _ratings, lambda r: {"day": r["created_at"][:10], "comment": r["comment"] or ""}),
    Section("messages", _messages, lambda r: {"when": _minute(r["created_at"])}),
    Section("relatives", _relatives, lambda r: {"other_person": r["other_person"] or "",
                                                "scopes": "、".join(r["scope_names"])}),
    Section("businesses", _businesses, lambda r: {}),
    Section("certificates", _certificates, lambda r: {}),
)


def pdf_line(section: Section, row: Row) -> str:
    """One row as the PDF shows it: the section's line in messages.py, filled from the row."""
    return messages.PDF_LINES[section.name].format(**{**row, **section.extras(row)})


def profile(cipher: FieldCipher, citizen: Citizen) -> Row:
    """The account itself, the ID number and phone decrypted (they go into the files and nowhere else)."""
    return {"real_name": citizen.real_name,
            "id_number": cipher.decrypt(citizen.id_number_enc, context=ID_NUMBER_CONTEXT)
            if citizen.id_number_enc else None,
            "phone": cipher.decrypt(citizen.phone_enc, context=PHONE_CONTEXT) if citizen.phone_enc else None,
            "verified_at": _iso(citizen.verified_at), "phone_verified_at": _iso(citizen.phone_verified_at),
            "registered_at": _iso(citizen.created_at), "last_login_at": _iso(citizen.last_login_at)}


@dataclass
class Built:
    json_path: Path
    pdf_path: Path
    counts: dict[str, int] = field(default_factory=dict)


def _json_value(out: TextIO, value: Any) -> None:
    out.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def write_files(session: Session, cipher: FieldCipher, citizen: Citizen, now: datetime, folder: Path) -> Built:
    """Write the JSON and the PDF into `folder` (temporary files the caller moves into storage or removes)."""
    handle, json_name = tempfile.mkstemp(dir=folder, suffix=".json")
    pdf_path = Path(json_name).with_suffix(".pdf")
    built = Built(Path(json_name), pdf_path)
    try:
        pdf = PdfWriter(messages.PDF_TITLE, messages.PDF_PAGE)
        pdf.paragraph(messages.PDF_INTRO.format(at=chinese_time(now)))
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            mine = profile(cipher, citizen)
            out.write('{"generated_at":')
            _json_value(out, local_iso(now))
            out.write(',"profile":')
            _json_value(out, mine)
            pdf.heading(messages.SECTION_TITLES["profile"])
            for key, label in messages.PROFILE_LABELS.items():
                value = mine[key]
                shown = chinese_time(datetime.fromisoformat(value)) if value and key.endswith("_at") else value
                pdf.line(messages.PDF_PROFILE_LINE.format(label=label, value=shown or messages.PDF_NONE))
            for section in SECTIONS:
                out.write(f',"{section.name}":[')
                pdf.heading(messages.SECTION_TITLES[section.name])
                count = 0
                for row in section.rows(session, citizen, now):
                    if count:
                        out.write(",")
                    _json_value(out, row)
                    if count < PDF_ROWS:
                        pdf.line(pdf_line(section, row))
                    count += 1
                out.write("]")
                if count == 0:
                    pdf.line(messages.PDF_NONE)
                elif count > PDF_ROWS:
                    pdf.line(messages.PDF_MORE.format(more=count - PDF_ROWS))
                built.counts[section.name] = count
            out.write("}")
        pdf.save(pdf_path)
    except BaseException:
        built.json_path.unlink(missing_ok=True)
        pdf_path.unlink(missing_ok=True)
        raise
    return built


def build(session: Session, cipher: FieldCipher, storage: Storage, export_id: int, now: datetime) -> bool:
    """Write the files of a claimed export into storage and mark it done, in this transaction. When the export was
    cancelled meanwhile (注销), its files are deleted again and False is returned."""
    export = session.get(DataExport, export_id)
    if export is None or export.state != ExportState.BUILDING:
        return False
    citizen = session.get(Citizen, export.citizen_id)
    assert citizen is not None
    built = write_files(session, cipher, citizen, now, storage.temporary_dir())
    keys = {"json": f"exports/{export.id}/banshi-mydata-{export.id}.json",
            "pdf": f"exports/{export.id}/banshi-mydata-{export.id}.pdf"}
    sizes = {"json": built.json_path.stat().st_size, "pdf": built.pdf_path.stat().st_size}
    try:
        storage.put_file(keys["json"], built.json_path, services.FORMATS["json"])
        storage.put_file(keys["pdf"], built.pdf_path, services.FORMATS["pdf"])
    finally:
        built.json_path.unlink(missing_ok=True)
        built.pdf_path.unlink(missing_ok=True)
    done = session.execute(update(DataExport).where(DataExport.id == export.id,
                                                    DataExport.state == ExportState.BUILDING).values(
        state=ExportState.DONE, done_at=now, expires_at=now + services.KEEP_FOR, json_key=keys["json"],
        pdf_key=keys["pdf"],
        json_size=sizes["json"], pdf_size=sizes["pdf"], counts=built.counts)).rowcount == 1
    if not done:
        services.drop_files(storage, list(keys.values()))
    log.info("mydata.built", export_id=export.id, done=done, **built.counts)
    return done
