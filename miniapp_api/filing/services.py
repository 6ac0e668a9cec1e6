"""网上申报: a verified citizen (or a business's linked agent) fills an item's form, prefilled from what the
system knows, uploads the materials, saves a draft and submits; the case then runs the usual state machine.
Staff 预审 it in the console: accept (容缺 with what the applicant promised), ask for 补正 per material, or
reject. The applicant answers a 补正 online with new files, and the case goes back to 预审 (or to review
when it had been accepted)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.applications import promises
from miniapp_api.applications import services as applications
from miniapp_api.applications.models import Application, ApplicationStatus, BundleCase, MaterialKind
from miniapp_api.businesses.models import Business
from miniapp_api.businesses.services import own_business
from miniapp_api.centres.models import Centre, ServiceItem, Window, window_item
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, PHONE_CONTEXT
from miniapp_api.files import services as files
from miniapp_api.filing import messages
from miniapp_api.filing.bundles import BundleDefinition, bundle_definition, bundle_definitions, material_set
from miniapp_api.filing.forms import PROMISE_PREFIX, FormDefinition, check_values, definition_for, signed_promises
from miniapp_api.filing.models import Filing
from miniapp_api.identity.services import require_verified
from miniapp_api.licences.models import Licence
from miniapp_api.platform.clock import local_iso, utcnow
from miniapp_api.platform.errors import ILLEGAL_TRANSITION, VALIDATION_FAILED, DomainError, NotFound
from miniapp_api.platform.privacy import FieldCipher, mobile_is_valid
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import audit

FILING_NOT_FOUND = "filing_not_found"
NOT_OFFERED = "not_offered_online"
MAIL_CONTEXT = "filing.mail"
MATERIAL_KINDS = ("image", "pdf")
S = ApplicationStatus


def _invalid(errors: dict[str, str]) -> DomainError:
    return DomainError(next(iter(errors.values())), code=VALIDATION_FAILED, status=422, fields=errors)


@dataclass(frozen=True)
class MailTo:
    name: str
    phone: str
    address: str


@dataclass
class FilingInput:
    values: dict[str, Any] = field(default_factory=dict)
    materials: dict[str, list[int]] = field(default_factory=dict)
    deferred: list[str] = field(default_factory=list)
    promise_text: str | None = None
    delivery: str = "pickup"
    mail: MailTo | None = None
    promises: list[str] = field(default_factory=list)     # 告知承诺 the applicant signs (keys of the form's promises)


# --- what is offered ----------------------------------------------------------------------------------


def offered(session: Session, item_code: str) -> tuple[ServiceItem, FormDefinition]:
    item = session.scalars(select(ServiceItem).where(ServiceItem.code == item_code)).one_or_none()
    definition = definition_for(item.name) if item is not None else None
    if item is None or definition is None:
        raise NotFound(messages.NOT_OFFERED_ONLINE, code=NOT_OFFERED)
    return item, definition


@dataclass(frozen=True)
class Offer:
    """What a filing fills in: one item's form and materials, or a bundle's shared form (一表申请) and its one
    material set (一套材料), each material with the items that need it."""

    form: FormDefinition
    items: list[ServiceItem]
    materials: dict[str, bool]                      # name → key material
    needed_by: dict[str, tuple[str, ...]]           # name → the item names that need it
    bundle: BundleDefinition | None = None


def offered_bundle(session: Session, code: str) -> Offer:
    definition = bundle_definition(code)
    items = {i.name: i for i in session.scalars(select(ServiceItem).where(
        ServiceItem.name.in_(definition.item_names)))} if definition else {}
    if definition is None or len(items) != len(definition.items):
        raise NotFound(messages.BUNDLE_NOT_OFFERED, code=NOT_OFFERED)
    ordered = [items[name] for name in definition.item_names]
    folded = material_set(definition, {i.name: i.materials or [] for i in ordered})
    return Offer(definition.form(), ordered, {m.name: m.key for m in folded}, {m.name: m.items for m in folded},
                 definition)


def offered_bundles(session: Session) -> list[Offer]:
    """Every bundle whose items are all in the catalogue (a city without one of them does not offer it)."""
    offers = []
    for code in bundle_definitions():
        try:
            offers.append(offered_bundle(session, code))
        except NotFound:
            continue
    return offers


def offer_of(session: Session, filing: Filing) -> Offer:
    if filing.bundle_code is not None:
        return offered_bundle(session, filing.bundle_code)
    item = filing.item
    assert item is not None
    # A form withdrawn after submission: its values still show, under their keys.
    definition = definition_for(item.name) or FormDefinition(item.name, "business" if filing.business_id else "person",
                                                             ())
    names = material_names(item, definition)
    return Offer(definition, [item], names, {name: (item.name,) for name in names})


def centres_for(session: Session, items: list[ServiceItem]) -> list[Centre]:
    """The centres with windows for every one of the items (a bundle is handled at one centre)."""
    statement = select(Centre).order_by(Centre.name)
    for item in items:
        statement = statement.where(Centre.id.in_(
            select(Window.centre_id).join(window_item, window_item.c.window_id == Window.id)
            .where(window_item.c.item_id == item.id)))
    return list(session.scalars(statement))


def _licence(session: Session, definition: FormDefinition, citizen: Citizen, business: Business | None):
    if definition.licence_type is None:
        return None
    holder = (Licence.credit_code == business.credit_code if business is not None
              else Licence.contact_id_hash == citizen.verified_id_hash)
    return session.scalars(select(Licence).where(Licence.licence_type == definition.licence_type,
                                                 Licence.status == "valid", holder)
                           .order_by(Licence.expires_on.desc()).limit(1)).one_or_none()


def prefill(session: Session, definition: FormDefinition, citizen: Citizen, business: Business | None) -> dict:
    """What the system already knows, by each field's `prefill` source (the applicant can still change it)."""
    licence = _licence(session, definition, citizen, business)
    known: dict[str, Any] = {"person.name": citizen.real_name}
    if business is not None:
        known |= {"business.name": business.name, "business.address": business.address,
                  "business.credit_code": business.credit_code, "business.employees": business.employees}
    if licence is not None:
        known |= {"licence.number": licence.number, "licence.expires_on": licence.expires_on.isoformat()}
    return {f.key: known[f.prefill] for f in definition.fields if f.prefill and known.get(f.prefill) is not None}


def _business_for(session: Session, citizen: Citizen, definition: FormDefinition,
                  business_id: int | None) -> Business | None:
    if definition.applicant == "business":
        if business_id is None:
            raise _invalid({"business_id": messages.BUSINESS_NEEDED})
        return own_business(session, citizen.id, business_id, utcnow())[0]
    if business_id is not None:
        raise _invalid({"business_id": messages.PERSON_ONLY})
    return None


# --- drafts ---------------------------------------------------------------------------------------------


def start(session: Session, citizen: Citizen, *, item_code: str | None, centre_id: int, business_id: int | None,
          now: datetime, bundle_code: str | None = None) -> Filing:
    """A new draft (of one item, or of a 一件事 bundle), prefilled. Needs a face-verified applicant (and, for a
    business item, a linked agent); the centre must handle every item."""
    require_verified(citizen)
    if bundle_code is not None:
        offer, item_id = offered_bundle(session, bundle_code), None
    else:
        item, definition = offered(session, item_code or "")
        offer, item_id = Offer(definition, [item], {}, {}), item.id
    business = _business_for(session, citizen, offer.form, business_id)
    for item in offer.items:
        applications.check_item_at_centre(session, item, centre_id)
    filing = Filing(citizen_id=citizen.id, business_id=business.id if business else None, item_id=item_id,
                    bundle_code=bundle_code, centre_id=centre_id, values=prefill(session, offer.form, citizen, business),
                    materials={}, deferred=[], delivery="pickup", status="draft", created_at=now, updated_at=now)
    session.add(filing)
    session.flush()
    return filing


def own_filing(session: Session, citizen: Citizen, filing_id: int, *, lock: bool = False) -> Filing:
    statement = select(Filing).where(Filing.id == filing_id, Filing.citizen_id == citizen.id)
    found = session.scalars(statement.with_for_update() if lock else statement).one_or_none()
    if found is None:
        raise NotFound(messages.FILING_NOT_FOUND, code=FILING_NOT_FOUND)
    return found


def citizen_filings(session: Session, citizen: Citizen) -> list[Filing]:
    return list(session.scalars(select(Filing).where(Filing.citizen_id == citizen.id)
                                .order_by(Filing.id.desc()).limit(50)))


def material_names(item: ServiceItem, definition: FormDefinition | None = None) -> dict[str, bool]:
    """The materials asked for online: the item's own list (its guide), name → key material (必需). The form
    definition says which may be 容缺: a non-key material it lists without `deferrable` is 必需 online too (a key
    material stays key whatever a definition says; one the definition does not list keeps the guide's flag)."""
    listed = {m.name: m.deferrable for m in definition.materials} if definition is not None else {}
    return {m["name"]: bool(m.get("key")) or listed.get(m["name"], True) is False for m in item.materials or []}


def _check_materials(session: Session, citizen: Citizen, names: dict[str, bool], data: FilingInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, ids in data.materials.items():
        if name not in names:
            errors[f"materials.{name}"] = messages.UNKNOWN_MATERIAL
            continue
        try:
            files.check_usable(session, citizen.id, ids, kinds=MATERIAL_KINDS, field=f"materials.{name}")
        except DomainError as refused:
            errors.update(refused.fields)
    for name in data.deferred:
        if name not in names:
            errors[f"deferred.{name}"] = messages.UNKNOWN_MATERIAL
        elif names[name]:
            errors[f"deferred.{name}"] = messages.KEY_CANNOT_DEFER.format(name=name)
    return errors


def _check_mail(data: FilingInput) -> dict[str, str]:
    if data.delivery != "mail":
        return {}
    mail = data.mail
    if mail is None or not mail.name.strip() or not mail.address.strip():
        return {"mail": messages.MAIL_NEEDED}
    if not mobile_is_valid(mail.phone):
        return {"mail.phone": messages.BAD_PHONE}
    return {}


def save(session: Session, cipher: FieldCipher, citizen: Citizen, filing: Filing, data: FilingInput,
         now: datetime) -> Filing:
    """Keep a draft as typed so far: every value must be well-formed, none is required yet."""
    if filing.status != "draft":
        raise DomainError(messages.NOT_A_DRAFT, code=ILLEGAL_TRANSITION, status=409)
    offer = offer_of(session, filing)
    typed = {k: v for k, v in data.values.items() if not k.startswith(PROMISE_PREFIX)}
    clean, errors = check_values(offer.form, typed, complete=False)
    errors |= {f"values.{k}": messages.UNKNOWN_FIELD for k in data.values if k.startswith(PROMISE_PREFIX)}
    errors |= _check_materials(session, citizen, offer.materials, data) | _check_mail(data)
    errors |= {f"promises.{k}": messages.UNKNOWN_PROMISE for k in data.promises if offer.form.promise(k) is None}
    if errors:
        raise _invalid(errors)
    # A promise keeps the moment it was first signed (签署时间); unticking it withdraws it.
    signed = {PROMISE_PREFIX + k: filing.values.get(PROMISE_PREFIX + k) or local_iso(now)
              for k in dict.fromkeys(data.promises)}
    filing.values, filing.materials = clean | signed, {k: list(dict.fromkeys(v)) for k, v in data.materials.items() if v}
    filing.deferred, filing.promise_text = list(dict.fromkeys(data.deferred)), data.promise_text
    filing.delivery = data.delivery
    filing.mail_enc = (cipher.encrypt(json.dumps(data.mail.__dict__, ensure_ascii=False), context=MAIL_CONTEXT)
                       if data.delivery == "mail" and data.mail else None)
    filing.updated_at = now
    session.flush()
    return filing


def promise_note(promise, signed_at: str) -> str:
    note = messages.PROMISE_NOTE.format(condition=promise.condition, text=promise.text, at=signed_at[:16].replace("T", " "))
    return note[:500]


def mail_of(cipher: FieldCipher, filing: Filing) -> MailTo | None:
    return MailTo(**json.loads(cipher.decrypt(filing.mail_enc, context=MAIL_CONTEXT))) if filing.mail_enc else None


def _applicant(session: Session, cipher: FieldCipher, citizen: Citizen,
               filing: Filing) -> applications.Applicant:
    id_number = cipher.decrypt(citizen.id_number_enc, context=ID_NUMBER_CONTEXT) if citizen.id_number_enc else None
    phone = cipher.decrypt(citizen.phone_enc, context=PHONE_CONTEXT) if citizen.phone_enc else None
    if filing.business_id is None:
        return applications.Applicant("person", citizen.real_name or "", id_number=id_number, phone=phone)
    business = own_business(session, citizen.id, filing.business_id, utcnow())[0]
    return applications.Applicant("business", business.name, id_number=id_number, credit_code=business.credit_code,
                                  phone=phone)


def submit(session: Session, cipher: FieldCipher, citizen: Citizen, filing: Filing,
           now: datetime) -> Application | BundleCase:
    """Check the whole filing and turn it into a case waiting for 预审 — for a bundle, a parent case with one
    child case per item. Nothing changes when anything is wrong: every problem comes back at once, by field."""
    if filing.status != "draft":
        raise DomainError(messages.NOT_A_DRAFT, code=ILLEGAL_TRANSITION, status=409)
    require_verified(citizen)
    offer = offer_of(session, filing)
    data = FilingInput(values=filing.values, materials=filing.materials, deferred=filing.deferred,
                       promise_text=filing.promise_text, delivery=filing.delivery, mail=mail_of(cipher, filing))
    _, errors = check_values(offer.form, filing.values, complete=True)
    errors |= _check_materials(session, citizen, offer.materials, data) | _check_mail(data)
    promised = signed_promises(offer.form, filing.values) if offer.bundle is None else []
    replaced = {p.instead_of for p, _ in promised if p.instead_of}
    for name, key in offer.materials.items():
        if filing.materials.get(name) or name in replaced:
            continue
        if key:
            errors[f"materials.{name}"] = messages.KEY_MATERIAL_MISSING.format(name=name)
        elif name not in filing.deferred:
            errors[f"materials.{name}"] = messages.MATERIAL_MISSING.format(name=name)
    if filing.deferred and not (filing.promise_text or "").strip():
        errors["promise_text"] = messages.PROMISE_NEEDED
    if errors:
        raise _invalid(errors)
    for_business = filing.business_id is not None
    applicant = _applicant(session, cipher, citizen, filing)
    people = dict(citizen_id=None if for_business else citizen.id, proxy_citizen_id=citizen.id if for_business else None)
    bundle = None
    if offer.bundle is not None:
        bundle = applications.open_bundle_case(
            session, bundle_code=offer.bundle.code, title=offer.bundle.name, centre_id=filing.centre_id,
            applicant=applicant, receiving_province=offer.bundle.receiving_province(filing.values), now=now, **people)
    cases = []
    for item in offer.items:
        deferred = [name for name in filing.deferred if item.name in offer.needed_by.get(name, ())]
        internal = (messages.DEFERRED_NOTE.format(names="、".join(deferred), promise=filing.promise_text)
                    if deferred else None)
        public = (messages.BUNDLE_CHILD_NOTE.format(title=bundle.title, reference=bundle.reference) if bundle
                  else messages.SUBMITTED_NOTE)
        application = applications.file_online(
            session, cipher, item=item, centre_id=filing.centre_id, applicant=applicant, delivery=filing.delivery,
            now=now, public_note=public, internal_note=internal, bundle_case_id=bundle.id if bundle else None,
            **people)
        # Each child's department sees the materials its item needs (staff of the one centre, as at the counter).
        its_files = [file_id for name, ids in filing.materials.items() if item.name in offer.needed_by.get(name, ())
                     for file_id in ids]
        files.attach(session, citizen.id, its_files, subject=("application", application.id),
                     centre_id=filing.centre_id, field="materials", kinds=MATERIAL_KINDS, now=now)
        for promise, signed_at in promised:       # 告知承诺: the case carries each signed promise, in its timeline
            applications.record_citizen_event(session, application, citizen.id, promises.PROMISE_EVENT, now,
                                              promise_note(promise, signed_at))
        cases.append(application)
    filing.status, filing.submitted_at, filing.updated_at = "submitted", now, now
    if bundle is not None:
        filing.bundle_case_id = bundle.id
    else:
        filing.application_id = cases[0].id
    session.flush()
    return bundle if bundle is not None else cases[0]


# --- 补正 answered online -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CorrectionAnswer:
    material_id: int
    file_ids: list[int]
    note: str | None = None


def answer_corrections(session: Session, citizen: Citizen, reference: str, answers: list[CorrectionAnswer],
                       now: datetime) -> Application:
    """The applicant's corrected materials, uploaded from the phone. When every 补正 item has an answer the
    case goes back by itself: to 预审 if it was never accepted, else to review (the clock runs again)."""
    application = applications.citizen_application(session, citizen.id, reference, lock=True)
    if application.status != S.NEEDS_CORRECTION:
        raise DomainError(messages.CORRECTION_NOT_OWED, code=ILLEGAL_TRANSITION, status=409)
    owed = {m.id: m for m in application.materials if m.kind == MaterialKind.CORRECTION and m.received_at is None}
    for position, answer in enumerate(answers):
        material = owed.get(answer.material_id)
        if material is None:
            raise _invalid({f"answers[{position}].material_id": messages.CORRECTION_NOT_OWED})
        if not answer.file_ids:
            raise _invalid({f"answers[{position}].file_ids": messages.CORRECTION_FILES_NEEDED})
        files.attach(session, citizen.id, answer.file_ids, subject=("application", application.id),
                     centre_id=application.centre_id, field=f"answers[{position}].file_ids", kinds=MATERIAL_KINDS,
                     now=now)
        material.files = list(dict.fromkeys([*material.files, *answer.file_ids]))
        material.citizen_reported_at, material.citizen_note = now, answer.note
    names = "、".join(owed[a.material_id].name for a in answers)
    applications.record_citizen_event(session, application, citizen.id, "material_reported", now,
                                      messages.CORRECTION_ANSWERED.format(names=names))
    if all(m.citizen_reported_at is not None for m in owed.values()):
        back = S.SUBMITTED if application.accepted_on is None else S.IN_REVIEW
        applications.advance(session, None, application, applications.Advance(back), now)
    session.flush()
    return application


# --- staff ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffFiling:
    """The online form behind one case: for a bundle's child, what the shared form says for that item (under
    the item's own field keys) and only the materials its item needs."""

    filing: Filing
    item: ServiceItem
    values: dict[str, Any]
    materials: dict[str, bool]
    mail: MailTo | None
    bundle: BundleCase | None


def for_staff(session: Session, cipher: FieldCipher, staff: Staff, reference: str) -> StaffFiling:
    """The online form behind a case of the staff member's centres (404 for a counter case or another
    centre's); reading it is audit-logged, as it shows the mailing address."""
    application = applications.staff_application(session, staff, reference)
    behind = (Filing.bundle_case_id == application.bundle_case_id if application.bundle_case_id is not None
              else Filing.application_id == application.id)
    filing = session.scalars(select(Filing).where(behind)).one_or_none()
    if filing is None:
        raise NotFound(messages.FILING_NOT_FOUND, code=FILING_NOT_FOUND)
    audit(session, staff, "filing.view", "application", application.id)
    offer = offer_of(session, filing)
    item = application.item
    values = offer.bundle.values_for(item.name, filing.values) if offer.bundle else dict(filing.values)
    needed = {name: key for name, key in offer.materials.items() if item.name in offer.needed_by.get(name, ())}
    return StaffFiling(filing, item, values, needed, mail_of(cipher, filing), application.bundle_case)


def staff_promises(found: StaffFiling) -> list[dict[str, Any]]:
    """The 告知承诺 the applicant signed on this filing (the item's own form; a bundle has none)."""
    own = definition_for(found.item.name) if found.filing.bundle_code is None else None
    return [{"key": p.key, "condition": p.condition, "text": p.text, "instead_of": p.instead_of, "signed_at": at}
            for p, at in (signed_promises(own, found.filing.values) if own else [])]


def labels_for(found: StaffFiling) -> dict[str, str]:
    """Field key → label: for a bundle, as its shared form said (what the applicant read), else as the item's
    own form says, in the own form's order."""
    own = definition_for(found.item.name)
    labels = {f.key: f.label for f in own.fields} if own else {}
    bundle = bundle_definition(found.filing.bundle_code) if found.filing.bundle_code else None
    for shared in bundle.fields if bundle else ():
        key = shared.field.key if shared.maps is None else shared.maps.get(found.item.name)
        if key is not None:
            labels[key] = shared.field.label
    return labels
