"""电子证照: issue or renew on a completed application, sign, show to the holder, verify for anyone, revoke.

Issuing runs as a consumer of `application.completed` (wired in bootstrap), once per event: a case that was
approved and whose item issues or renews a certificate type gets one certificate. A renewal finds the
holder's valid licence of that type, moves its expiry (the licence sweep's stages start over and unsent
reminders are dropped, as for any renewal) and supersedes the previous certificate.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from miniapp_api.applications.models import Application, ApplicationEvent, ApplicationStatus
from miniapp_api.applications.promises import REVOKED_EVENT
from miniapp_api.applications.services import recipients
from miniapp_api.businesses.services import agents_of, citizen_businesses
from miniapp_api.centres.models import ServiceItem
from miniapp_api.certificates import messages
from miniapp_api.certificates.certificate_types import CertificateType, catalogue, identifier
from miniapp_api.certificates.models import Certificate, CertificateSequence
from miniapp_api.certificates.signing import KeyRing, Verdict
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT
from miniapp_api.licences.models import Licence
from miniapp_api.licences.services import first_reminder_on, renew
from miniapp_api.notifications.services import cancel_pending, notify
from miniapp_api.platform.clock import chinese_date, local_date, utcnow
from miniapp_api.platform.errors import ILLEGAL_TRANSITION, DomainError, NotFound
from miniapp_api.platform.models import DomainEvent
from miniapp_api.platform.privacy import FieldCipher, mask_id_number, mask_name
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import audit, visible_centre_ids

log = structlog.get_logger(__name__)

CERTIFICATE_NOT_FOUND = "certificate_not_found"
PAGE = "pages/licences/certificate?id={id}"


def not_found() -> NotFound:
    return NotFound(messages.CERTIFICATE_NOT_FOUND, code=CERTIFICATE_NOT_FOUND)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- issuing -------------------------------------------------------------------------------------------


def on_completion(session: Session, events: list[DomainEvent], *, keys: KeyRing, cipher: FieldCipher) -> None:
    """Consumer of `application.completed`: issue what each approved case's item issues. The key ring and the
    cipher are the app's, bound when the consumer is wired (miniapp_api/bootstrap.py)."""
    for event in events:
        application = session.get(Application, event.subject_id)
        if application is not None:
            issue_for(session, keys, cipher, application, datetime.fromisoformat(event.payload["completed_at"]))


def was_approved(session: Session, application: Application) -> bool:
    """Approved, and the approval not revoked since (审管联动: a 告知承诺 found untrue revokes it, also before the
    case is closed: a revoked case that is then marked 已办结 issues no certificate and renews no licence)."""
    events = select(ApplicationEvent.id).where(ApplicationEvent.application_id == application.id)
    if session.scalar(events.where(ApplicationEvent.to_status == ApplicationStatus.APPROVED).limit(1)) is None:
        return False
    return session.scalar(events.where(ApplicationEvent.kind == REVOKED_EVENT).limit(1)) is None


def _next_number(session: Session, type_code: str, region_code: str, year: int) -> int:
    """The next running number: one upsert, its row locked until the issuing transaction ends."""
    return session.scalar(insert(CertificateSequence).values(type_code=type_code, region_code=region_code,
                                                             year=year, last=1)
                          .on_conflict_do_update(index_elements=["type_code", "region_code", "year"],
                                                 set_={"last": CertificateSequence.last + 1})
                          .returning(CertificateSequence.last))


def _holder_licence(session: Session, kind: CertificateType, application: Application) -> Licence | None:
    match = (Licence.credit_code == application.credit_code if application.applicant_type == "business"
             else Licence.contact_id_hash == application.id_number_hash)
    return session.scalars(select(Licence).where(Licence.licence_type == kind.licence_type, Licence.status == "valid",
                                                 Licence.holder_type == application.applicant_type, match)
                           .order_by(Licence.expires_on.desc(), Licence.id.desc()).limit(1)
                           .with_for_update()).one_or_none()


def _field_value(field, values: dict[str, str]) -> str:
    return field.value if field.value is not None else values.get(field.source or "", "")


def issue_for(session: Session, ring: KeyRing, cipher: FieldCipher, application: Application,
              now: datetime) -> Certificate | None:
    """The certificate a completed case issues (None when its item issues none, or it was not approved).
    Issuing twice for one case gives back the first certificate."""
    kind = catalogue().for_item(application.item.name)
    if kind is None or not was_approved(session, application):
        return None
    existing = session.scalars(select(Certificate).where(Certificate.application_id == application.id)).one_or_none()
    if existing is not None:
        return existing
    today = local_date(now)
    centre = application.centre
    licence = _holder_licence(session, kind, application)
    renewing = licence is not None
    region = catalogue().region_code(centre.region)
    number = identifier(kind.code, region, today.year, _next_number(session, kind.code, region, today.year))
    if licence is not None:
        renew(session, licence, add_years(max(licence.expires_on, today), kind.validity_years), now)
        session.execute(update(Certificate).where(Certificate.licence_id == licence.id, Certificate.status == "valid")
                        .values(status="superseded"))
    else:
        renewal_item_id = session.scalar(select(ServiceItem.id).where(ServiceItem.name.in_(kind.renewed_by)).limit(1))
        expires = add_years(today, kind.validity_years)
        licence = Licence(licence_type=kind.licence_type, number=number, holder_type=application.applicant_type,
                          holder_name=application.applicant_name, credit_code=application.credit_code,
                          contact_id_hash=application.id_number_hash, issuing_centre_id=centre.id,
                          renewal_item_id=renewal_item_id, issued_on=today, expires_on=expires,
                          next_reminder_on=first_reminder_on(expires), status="valid", updated_at=now)
        session.add(licence)
        session.flush()
    id_masked = (mask_id_number(cipher.decrypt(application.id_number_enc, context=ID_NUMBER_CONTEXT))
                 if application.applicant_type == "person" and application.id_number_enc else "")
    values = {"holder_name": application.applicant_name, "holder_id_masked": id_masked,
              "credit_code": application.credit_code or "", "item": application.item.name, "centre": centre.name,
              "reference": application.reference}
    payload = {
        "identifier": number, "type_code": kind.code, "type": kind.licence_type, "licence_number": licence.number,
        "holder_type": application.applicant_type, "holder_name": application.applicant_name,
        "holder_id": id_masked, "credit_code": application.credit_code or "", "issuer": centre.name,
        "issued_on": today.isoformat(), "expires_on": licence.expires_on.isoformat(),
        "data": {f.label: _field_value(f, values) for f in kind.fields},
    }
    certificate = Certificate(
        identifier=number, type_code=kind.code, type_name=kind.licence_type, licence_id=licence.id,
        application_id=application.id, holder_type=application.applicant_type,
        holder_name=application.applicant_name, holder_id_hash=application.id_number_hash,
        credit_code=application.credit_code, issuing_centre_id=centre.id, issued_on=today,
        expires_on=licence.expires_on, payload=payload, signature=ring.sign(payload), key_id=ring.key_id,
        verify_token=secrets.token_urlsafe(18), status="valid", created_at=now)
    session.add(certificate)
    session.flush()
    body = (messages.BODY_RENEWED if renewing else messages.BODY_ISSUED).format(
        item=application.item.name, reference=application.reference, type=kind.licence_type, identifier=number,
        expires=chinese_date(certificate.expires_on))
    for citizen_id in recipients(application):
        notify(session, citizen_id=citizen_id, kind="certificate_status", title=messages.TITLE_ISSUED, body=body,
               context={"licence": kind.licence_type, "number": number, "expires": certificate.expires_on.isoformat(),
                        "tip": messages.TIP_ISSUED},
               page=PAGE.format(id=certificate.id), now=now, subject=("certificate", certificate.id),
               dedupe_key=f"certificate:{certificate.id}:issued:{citizen_id}")
    log.info("certificate.issued", certificate_id=certificate.id, renewal=renewing)
    return certificate


# --- who sees which -----------------------------------------------------------------------------------


def _held_by(session: Session, citizen: Citizen):
    """Certificates of the citizen as a person (by the verified ID number) or of businesses they act for."""
    credit_codes = [business.credit_code for business, _ in citizen_businesses(session, citizen.id, utcnow())]
    clauses = []
    if citizen.verified_id_hash:
        clauses.append((Certificate.holder_type == "person") & (Certificate.holder_id_hash == citizen.verified_id_hash))
    if credit_codes:
        clauses.append((Certificate.holder_type == "business") & Certificate.credit_code.in_(credit_codes))
    return or_(*clauses) if clauses else None


def for_citizen(session: Session, citizen: Citizen) -> list[Certificate]:
    held = _held_by(session, citizen)
    if held is None:
        return []
    return list(session.scalars(select(Certificate).where(held).options(selectinload(Certificate.issuing_centre))
                                .order_by(Certificate.status != "valid", Certificate.expires_on.desc(),
                                          Certificate.id.desc())))


def of_person(session: Session, id_hash: str) -> list[Certificate]:
    """A relative's certificates (the delegate's view scope was checked by the caller)."""
    return list(session.scalars(select(Certificate).where(Certificate.holder_type == "person",
                                                          Certificate.holder_id_hash == id_hash)
                                .options(selectinload(Certificate.issuing_centre))
                                .order_by(Certificate.status != "valid", Certificate.id.desc())))


def citizen_certificate(session: Session, citizen: Citizen, certificate_id: int) -> Certificate:
    held = _held_by(session, citizen)
    found = None if held is None else session.scalars(select(Certificate).where(
        Certificate.id == certificate_id, held)).one_or_none()
    if found is None:
        raise not_found()
    return found


def staff_certificates(session: Session, staff: Staff, *, identifier_like: str | None = None,
                       limit: int = 50) -> list[Certificate]:
    statement = select(Certificate).where(Certificate.issuing_centre_id.in_(visible_centre_ids(session, staff)))
    if identifier_like:
        statement = statement.where(or_(Certificate.identifier == identifier_like.upper(),
                                        Certificate.holder_name == identifier_like,
                                        Certificate.credit_code == identifier_like.upper()))
    return list(session.scalars(statement.order_by(Certificate.id.desc()).limit(limit)))


def staff_certificate(session: Session, staff: Staff, certificate_id: int, *, lock: bool = False) -> Certificate:
    statement = select(Certificate).where(Certificate.id == certificate_id,
                                          Certificate.issuing_centre_id.in_(visible_centre_ids(session, staff)))
    found = session.scalars(statement.with_for_update() if lock else statement).one_or_none()
    if found is None:
        raise not_found()
    return found


# --- status, verification, revocation ---------------------------------------------------------------------


def status_of(certificate: Certificate, today: date) -> str:
    if certificate.status in ("revoked", "superseded"):
        return certificate.status
    return "expired" if certificate.expires_on < today else "valid"


# The columns that repeat a field of the signed payload (for listing and search). The public answer never reads
# them: a change to one is logged for the staff, and the identifier, which ties the row's live status (revoked,
# superseded) to the signed certificate, must match or the answer is 签名核验不通过.
MIRRORED = {"type_name": "type", "holder_type": "holder_type", "holder_name": "holder_name",
            "credit_code": "credit_code", "issued_on": "issued_on", "expires_on": "expires_on"}


def _signed_day(payload: dict, name: str) -> date | None:
    try:
        return date.fromisoformat(payload.get(name) or "")
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Verification:
    found: bool
    status: str | None = None            # valid, expired, revoked, superseded, tampered, key_revoked
    certificate: Certificate | None = None
    signed: dict | None = None           # the payload, when its signature verified: all the answer shows

    @property
    def holder_masked(self) -> str:
        """Who holds it, as a stranger scanning it may read: a person's name and ID number masked; a
        business's name and credit code (public in the business registry)."""
        p = self.signed
        if not p:
            return ""
        if p.get("holder_type") == "business":
            return f"{p.get('holder_name', '')}（{p.get('credit_code', '')}）"
        return f"{mask_name(p.get('holder_name', ''))}（{p.get('holder_id', '')}）"

    def day(self, name: str) -> date | None:
        return _signed_day(self.signed, name) if self.signed else None


def verify(session: Session, ring: KeyRing, token: str, today: date) -> Verification:
    """What the QR code's page says, from the signed payload only. The payload is checked against its
    signature every time, with the key the certificate names (a key retired by a rotation still verifies
    what it signed before it was revoked): a payload changed in the database reads as tampered and shows
    nothing; the row's own columns are never shown. What the signature cannot carry is the live state the
    issuer keeps: revoked or superseded."""
    certificate = session.scalars(select(Certificate).where(Certificate.verify_token == token)).one_or_none()
    if certificate is None:
        return Verification(False)
    payload = certificate.payload
    verdict = ring.verify(payload, certificate.signature, certificate.key_id, _signed_day(payload, "issued_on"))
    if verdict is Verdict.KEY_REVOKED:
        return Verification(True, "key_revoked", certificate)
    if verdict is not Verdict.VALID or payload.get("identifier") != certificate.identifier:
        return Verification(True, "tampered", certificate)
    changed = [column for column, key in MIRRORED.items()
               if str(getattr(certificate, column) or "") != str(payload.get(key) or "")]
    if changed:
        log.warning("certificate.columns_differ_from_signed", certificate_id=certificate.id, columns=changed)
    if certificate.status in ("revoked", "superseded"):
        status = certificate.status
    else:
        expires = _signed_day(payload, "expires_on")   # none signed: nothing vouches that it is in force
        status = "expired" if expires is None or expires < today else "valid"
    return Verification(True, status, certificate, payload)


def revoke(session: Session, staff: Staff, certificate: Certificate, reason: str, now: datetime) -> None:
    """撤销: the certificate and its licence stop; pending expiry reminders are dropped; the holder is told."""
    if certificate.status == "revoked":
        raise DomainError(messages.ALREADY_REVOKED, code=ILLEGAL_TRANSITION, status=409)
    if certificate.status == "superseded":
        raise DomainError(messages.NOT_CURRENT, code=ILLEGAL_TRANSITION, status=409)
    certificate.status, certificate.revoked_at = "revoked", now
    certificate.revoked_reason, certificate.revoked_by_staff_id = reason, staff.id
    licence = session.get(Licence, certificate.licence_id, with_for_update=True)
    assert licence is not None
    licence.status, licence.next_reminder_on, licence.updated_at = "revoked", None, now
    cancel_pending(session, ("licence", licence.id), "licence_revoked")
    audit(session, staff, "certificate.revoke", "certificate", certificate.id, reason=reason)
    body = messages.BODY_REVOKED.format(type=certificate.type_name, identifier=certificate.identifier,
                                        centre=certificate.issuing_centre.name, reason=reason)
    for citizen_id in _holder_accounts(session, certificate):
        notify(session, citizen_id=citizen_id, kind="certificate_status", title=messages.TITLE_REVOKED, body=body,
               context={"licence": certificate.type_name, "number": certificate.identifier,
                        "expires": certificate.expires_on.isoformat(), "tip": messages.TIP_REVOKED},
               page=PAGE.format(id=certificate.id), now=now, subject=("certificate", certificate.id),
               dedupe_key=f"certificate:{certificate.id}:revoked:{citizen_id}")
    session.flush()


def _holder_accounts(session: Session, certificate: Certificate) -> list[int]:
    if certificate.holder_type == "person":
        return list(session.scalars(select(Citizen.id).where(Citizen.verified_id_hash == certificate.holder_id_hash)))
    return agents_of(session, certificate.credit_code or "", utcnow())
