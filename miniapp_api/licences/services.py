"""Licences (证照): CSV import by staff, the citizen's list, and expiry reminders 90, 30 and 7 days ahead.

The sweep is safe to run twice a day and from two processes at once: each licence
row is locked while its stage advances, and every reminder carries a dedupe key
(licence, expiry date, stage), so a stage is sent once per expiry date. Renewing
(a later expiry) starts the stages again and cancels reminders not yet sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from miniapp_api.centres.models import Centre, ServiceItem, Window, window_item
from miniapp_api.centres.services import distance_km
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT
from miniapp_api.identity.services import reminder_recipients
from miniapp_api.licences import messages
from miniapp_api.licences.models import Licence
from miniapp_api.notifications.services import cancel_pending, notify
from miniapp_api.platform import csv_rows
from miniapp_api.platform.clock import chinese_date, local_date
from miniapp_api.platform.errors import VALIDATION_FAILED, DomainError, NotFound
from miniapp_api.platform.privacy import FieldCipher, credit_code_is_valid, id_number_is_valid
from miniapp_api.staff.services import audit, require_centre

STAGES = (90, 30, 7)
LICENCE_NOT_FOUND = "licence_not_found"
CSV_INVALID = "csv_invalid"
SWEEP_CHUNK = 500
PAGE = "pages/items/detail?code={code}&centre={centre}"


def first_reminder_on(expires_on: date) -> date:
    return expires_on - timedelta(days=STAGES[0])


def stage_due(days_left: int, last_sent: int | None) -> int | None:
    """The most urgent stage reached and not yet sent: a licence imported 20 days before expiry gets the
    30-day reminder once, not the 90-day one as well."""
    reached = [s for s in STAGES if days_left <= s and (last_sent is None or s < last_sent)]
    return min(reached) if reached else None


def next_reminder_after(expires_on: date, stage_sent: int) -> date | None:
    later = [s for s in STAGES if s < stage_sent]
    return expires_on - timedelta(days=max(later)) if later else None


# --- the sweep -----------------------------------------------------------------------------------------


@dataclass
class SweepReport:
    reminded: int = 0
    unreachable: int = 0      # no mini-program account for the contact: staff call them (店小二)
    closed: int = 0           # expired or revoked: nothing left to send

    @property
    def handled(self) -> int:
        return self.reminded + self.unreachable + self.closed

    def add(self, other: SweepReport) -> None:
        self.reminded, self.unreachable, self.closed = (self.reminded + other.reminded,
                                                        self.unreachable + other.unreachable,
                                                        self.closed + other.closed)


class RenewalFinder:
    """The centre nearest the issuing one that handles the renewal item, looked up once per pair."""

    def __init__(self, session: Session):
        self.session, self._memo = session, {}

    def __call__(self, licence: Licence) -> Centre | None:
        key = (licence.renewal_item_id, licence.issuing_centre_id)
        if licence.renewal_item_id is None:
            return None
        if key not in self._memo:
            centres = list(self.session.scalars(select(Centre).where(Centre.id.in_(
                select(Window.centre_id).join(window_item, window_item.c.window_id == Window.id)
                .where(window_item.c.item_id == licence.renewal_item_id)))))
            origin = licence.issuing_centre

            def distance(centre: Centre) -> float:
                if centre.id == origin.id:
                    return 0.0
                if None in (centre.latitude, centre.longitude, origin.latitude, origin.longitude):
                    return math.inf
                return distance_km(origin.latitude, origin.longitude, centre.latitude, centre.longitude)

            self._memo[key] = min(centres, key=lambda c: (distance(c), c.id)) if centres else None
        return self._memo[key]


def _remind(session: Session, licence: Licence, citizen_id: int, stage: int, today: date, now: datetime,
            renewal_centre: Centre | None) -> None:
    days_left = (licence.expires_on - today).days
    item = licence.renewal_item
    renewal = (messages.RENEWAL_HINT.format(item=item.name, centre=renewal_centre.name)
               if item is not None and renewal_centre is not None else messages.RENEWAL_AT_COUNTER)
    notify(session, citizen_id=citizen_id, kind="licence_expiry",
           context={"licence": licence.licence_type, "number": licence.number, "expires": licence.expires_on.isoformat(),
                    "tip": messages.TIP_EXPIRY},
           title=messages.TITLE_EXPIRY,
           body=messages.BODY_EXPIRY.format(licence_type=licence.licence_type, number=licence.number,
                                            holder=licence.holder_name, expires=chinese_date(licence.expires_on), days=days_left,
                                            renewal=renewal),
           page=PAGE.format(code=item.code, centre=renewal_centre.id) if item and renewal_centre else None,
           now=now, subject=("licence", licence.id),
           dedupe_key=f"licence:{licence.id}:{licence.expires_on.isoformat()}:{stage}:{citizen_id}")


def sweep_expiry_reminders(session: Session, now: datetime) -> SweepReport:
    """One chunk of the daily sweep: the reminders of up to SWEEP_CHUNK licences whose day has come (rows other
    sweeps hold are skipped). The job (licences/jobs.py) runs chunks, each its own transaction so a long sweep
    holds no long locks, until one finds nothing."""
    today = local_date(now)
    report, find_renewal_centre = SweepReport(), RenewalFinder(session)
    licences = list(session.scalars(
        select(Licence).where(Licence.next_reminder_on <= today).order_by(Licence.next_reminder_on, Licence.id)
        .limit(SWEEP_CHUNK).with_for_update(skip_locked=True)
        .options(selectinload(Licence.renewal_item), selectinload(Licence.issuing_centre))))
    if not licences:
        return report
    # Only a face-verified holder, and relatives they authorised to receive reminders.
    citizens_by_hash = reminder_recipients(session, {lic.contact_id_hash for lic in licences
                                                     if lic.contact_id_hash}, now)
    for licence in licences:
        days_left = (licence.expires_on - today).days
        stage = stage_due(days_left, licence.last_reminder_days) if licence.status == "valid" else None
        if stage is None or days_left < 0:
            licence.next_reminder_on = None
            report.closed += 1
            continue
        recipients = citizens_by_hash.get(licence.contact_id_hash or "", [])
        for citizen_id in recipients:
            _remind(session, licence, citizen_id, stage, today, now, find_renewal_centre(licence))
        report.reminded += bool(recipients)
        report.unreachable += not recipients
        licence.last_reminder_days = stage
        licence.next_reminder_on = next_reminder_after(licence.expires_on, stage)
    return report


# --- citizen and staff ---------------------------------------------------------------------------------


def licences_of_person(session: Session, id_hash: str | None) -> list[Licence]:
    """Licences whose contact is this person (by verified ID number), soonest expiry first."""
    if not id_hash:
        return []
    return list(session.scalars(select(Licence).options(selectinload(Licence.renewal_item),
                                                        selectinload(Licence.issuing_centre))
                                .where(Licence.contact_id_hash == id_hash).order_by(Licence.expires_on)))


def citizen_licences(session: Session, citizen: Citizen) -> list[Licence]:
    """Only a face-verified identity sees licences: a typed-in ID number is a claim, not a key."""
    return licences_of_person(session, citizen.verified_id_hash)


def renew(session: Session, licence: Licence, new_expires_on: date, now: datetime) -> Licence:
    """A renewed licence: later expiry, reminder stages start over, unsent reminders are dropped."""
    if new_expires_on <= licence.expires_on:
        raise DomainError(messages.NEW_EXPIRY_NOT_LATER, code=VALIDATION_FAILED, status=422,
                          fields={"expires_on": messages.NEW_EXPIRY_NOT_LATER})
    licence.expires_on, licence.updated_at = new_expires_on, now
    licence.last_reminder_days, licence.next_reminder_on = None, first_reminder_on(new_expires_on)
    cancel_pending(session, ("licence", licence.id), "licence_renewed")
    session.flush()
    return licence


def staff_licence(session: Session, licence_id: int, centre_ids: set[int]) -> Licence:
    licence = session.scalars(select(Licence).where(Licence.id == licence_id,
                                                    Licence.issuing_centre_id.in_(centre_ids))
                              .with_for_update()).one_or_none()
    if licence is None:
        raise NotFound(messages.LICENCE_NOT_FOUND, code=LICENCE_NOT_FOUND)
    return licence


# --- CSV import ------------------------------------------------------------------------------------------

COLUMNS = {"证照类型": "licence_type", "证照编号": "number", "持证类型": "holder_type", "持证人": "holder_name",
           "统一社会信用代码": "credit_code", "联系人身份证号": "contact_id_number", "发证日期": "issued_on",
           "到期日期": "expires_on", "延续事项编码": "renewal_item_code"}
REQUIRED = ("证照类型", "证照编号", "持证类型", "持证人", "发证日期", "到期日期")
HOLDER_TYPES = {"个人": "person", "企业": "business", "person": "person", "business": "business"}
LIMITS = {"证照类型": 40, "证照编号": 60, "持证人": 80}


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int


def _parse_date(value: str, column: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(messages.ROW_DATE.format(column=column)) from None


def _parse_row(row: dict[str, str], items: dict[str, int]) -> dict:
    csv_rows.check_cells(row, REQUIRED, LIMITS, empty=messages.ROW_REQUIRED, too_long=messages.ROW_TOO_LONG)
    holder_type = HOLDER_TYPES.get(row["持证类型"])
    if holder_type is None:
        raise ValueError(messages.ROW_HOLDER_TYPE)
    issued_on, expires_on = _parse_date(row["发证日期"], "发证"), _parse_date(row["到期日期"], "到期")
    if issued_on > expires_on:
        raise ValueError(messages.ROW_DATES_ORDER)
    credit_code = (row.get("统一社会信用代码") or "").upper() or None
    if holder_type == "business" and (credit_code is None or not credit_code_is_valid(credit_code)):
        raise ValueError(messages.ROW_CREDIT_CODE)
    contact = (row.get("联系人身份证号") or "").upper() or None
    if contact is not None and not id_number_is_valid(contact):
        raise ValueError(messages.ROW_ID_NUMBER)
    item_code = row.get("延续事项编码") or None
    if item_code is not None and item_code not in items:
        raise ValueError(messages.ROW_UNKNOWN_ITEM.format(code=item_code))
    return dict(licence_type=row["证照类型"], number=row["证照编号"], holder_type=holder_type,
                holder_name=row["持证人"], credit_code=credit_code, contact=contact, issued_on=issued_on,
                expires_on=expires_on, renewal_item_id=items.get(item_code) if item_code else None)


def import_csv(session: Session, cipher: FieldCipher, text: str, *, issuing_centre_id: int,
               now: datetime) -> ImportReport:
    """All rows or none: every bad row is reported by its line number (the header is line 1)."""
    return _import_rows(session, cipher, text, issuing_centre_id=issuing_centre_id, now=now)


def import_for_staff(session: Session, cipher: FieldCipher, staff, text: str, *, centre_id: int,
                     now: datetime) -> ImportReport:
    """A staff member's import into one of their centres (else 404), audit-logged with its counts."""

    require_centre(session, staff, centre_id)
    report = import_csv(session, cipher, text, issuing_centre_id=centre_id, now=now)
    audit(session, staff, "import_licences", "centre", centre_id, created=report.created, updated=report.updated)
    return report


def _import_rows(session: Session, cipher: FieldCipher, text: str, *, issuing_centre_id: int,
                 now: datetime) -> ImportReport:
    rows = csv_rows.rows_of(text, REQUIRED, missing_header=messages.CSV_HEADER, broken=messages.CSV_BROKEN)
    items = dict(session.execute(select(ServiceItem.code, ServiceItem.id)).tuples().all())
    parsed, seen, errors = csv_rows.parse_all(rows, lambda row: _parse_row(row, items),
                                              lambda values: (values["licence_type"], values["number"]),
                                              duplicate=messages.ROW_DUPLICATE)
    existing = _existing(session, [(v["licence_type"], v["number"]) for v in parsed])
    for values in parsed:
        found = existing.get((values["licence_type"], values["number"]))
        if found is not None and found.issuing_centre_id != issuing_centre_id:
            line = seen[(values["licence_type"], values["number"])]
            errors[f"line {line}"] = messages.ROW_OTHER_CENTRE
    csv_rows.refuse(errors, summary=messages.CSV_INVALID, parsed=parsed, empty=messages.CSV_EMPTY)
    created = updated = 0
    for values in parsed:
        contact = values.pop("contact")
        values.update(contact_id_hash=cipher.lookup_hash(contact, context=ID_NUMBER_CONTEXT) if contact else None,
                      issuing_centre_id=issuing_centre_id, updated_at=now)
        licence = existing.get((values["licence_type"], values["number"]))
        if licence is None:
            session.execute(insert(Licence).values(status="valid",
                                                   next_reminder_on=first_reminder_on(values["expires_on"]), **values))
            created += 1
            continue
        new_expiry = values.pop("expires_on")
        for name, value in values.items():
            setattr(licence, name, value)
        if new_expiry > licence.expires_on:
            renew(session, licence, new_expiry, now)
        elif new_expiry < licence.expires_on:   # a corrected date: the stages still ahead move with it
            licence.expires_on = new_expiry
            last = licence.last_reminder_days
            licence.next_reminder_on = next_reminder_after(new_expiry, last) if last else first_reminder_on(new_expiry)
        updated += 1
    session.flush()
    return ImportReport(created, updated)


def _existing(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Licence]:
    found: dict[tuple[str, str], Licence] = {}
    for start in range(0, len(keys), 1000):
        chunk = keys[start:start + 1000]
        for licence in session.scalars(select(Licence).where(
                tuple_(Licence.licence_type, Licence.number).in_(chunk)).with_for_update()):
            found[(licence.licence_type, licence.number)] = licence
    return found
