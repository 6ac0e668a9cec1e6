"""Verified identity: a WeChat-verified phone, face verification (人脸核身), authorised relatives (亲友代办).

A typed-in name and ID number are only a claim. Face verification turns the claim into
`Citizen.verified_id_hash`, the one identity the other domains trust; one verified
account per person, moved to a new account only by a new face check (the old account
is told). A relative's authorisation lets a verified delegate act for a person, within
its scopes, until it expires or either side revokes it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, WECHAT_UNAVAILABLE, set_id_number, set_phone
from miniapp_api.identity import messages
from miniapp_api.identity.models import (
    AuthorisationStatus,
    FaceVerification,
    RelativeAuthorisation,
    Scope,
    VerificationStatus,
)
from miniapp_api.notifications.services import notify
from miniapp_api.platform.clock import chinese_date, chinese_time
from miniapp_api.platform.db import lock_for_transaction
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform.facts import facts_changed
from miniapp_api.platform import audit as audit_trail
from miniapp_api.platform.privacy import FieldCipher
from miniapp_api.platform.unit_of_work import keep_on_refusal
from miniapp_api.staff.models import Staff
from miniapp_api.wechat import FACE_VERIFIED, WeChatError, WeChatGateway, cert_hash

PHONE_CODE_INVALID = "phone_code_invalid"
PHONE_NOT_TRUSTED = "phone_not_trusted"
PHONE_TOO_FREQUENT = "phone_too_frequent"
VERIFY_REFUSED = "verify_refused"
VERIFICATION_NOT_FOUND = "verification_not_found"
VERIFICATION_EXPIRED = "verification_expired"
VERIFICATION_FINISHED = "verification_finished"
VERIFICATION_NOT_FINISHED = "verification_not_finished"
VERIFICATION_MISMATCH = "verification_mismatch"
FACE_CHECK_FAILED = "face_check_failed"
IDENTITY_UNVERIFIED = "identity_unverified"
RELATIVE_NOT_FOUND = "relative_not_found"
RELATIVE_EXISTS = "relative_exists"
RELATIVE_SELF = "relative_self"
RELATIVE_TOO_MANY = "relative_too_many"
INVITE_INVALID = "invite_invalid"
SCOPE_NOT_GRANTED = "scope_not_granted"

NAME_CONTEXT = "face_verification.real_name"
VERIFY_ID_CONTEXT = "face_verification.verify_id"
PRINCIPAL_ID_CONTEXT = ID_NUMBER_CONTEXT
INVITE_LIFETIME = timedelta(days=3)
MAX_RELATIVES = 10
# An invite code is read aloud at a counter or typed by an elderly relative: no 0/O, 1/I/L.
INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
INVITE_LENGTH = 8

# Emulator-documented errcodes of queryverifyinfo (see wechat.emulator): where the face check stands.
FACE_INVALID_ID, FACE_MISMATCH, FACE_NOT_FINISHED = 84001, 84002, 84003
# getuserphonenumber: the code is wrong, used, expired or someone else's.
PHONE_CODE_ERRCODES = frozenset({40029, 40163, 41008, 47001})


class IdentityRefused(DomainError):
    status = 409


def _unavailable() -> DomainError:
    return DomainError(messages.VERIFY_UNAVAILABLE, code=WECHAT_UNAVAILABLE, status=503)


def id_hash_as_stored(session: Session, cipher: FieldCipher, id_number: str) -> str:
    """The lookup hash of an ID number as the person's verified account holds it: during a key move
    (keys.py) a person not moved yet still holds the old hash, and a record keyed by this hash must join
    them now as it will after their move. Else the current hash."""
    hashes = cipher.lookup_hashes(id_number, context=ID_NUMBER_CONTEXT)
    if len(hashes) > 1:
        held = session.scalar(select(Citizen.verified_id_hash).where(Citizen.verified_id_hash.in_(hashes)).limit(1))
        if held is not None:
            return held
    return hashes[0]


def verified_citizen_by_id_number(session: Session, cipher: FieldCipher, id_number: str) -> Citizen | None:
    """The account verified as the person with this ID number (by its old hash too, during a key move)."""
    return session.scalars(select(Citizen).where(Citizen.verified_id_hash.in_(cipher.lookup_hashes(
        id_number.upper(), context=ID_NUMBER_CONTEXT)))).one_or_none()


def require_verified(citizen: Citizen) -> str:
    """The citizen's verified ID hash, or a clear refusal asking them to verify first."""
    if citizen.verified_id_hash is None:
        raise DomainError(messages.IDENTITY_REQUIRED, code=IDENTITY_UNVERIFIED, status=403)
    return citizen.verified_id_hash


# --- verified phone -------------------------------------------------------------------------------------


def verify_phone(session: Session, gateway: WeChatGateway, cipher: FieldCipher, citizen: Citizen, *, code: str,
                 now: datetime) -> Citizen:
    """Store the phone WeChat vouches for (getPhoneNumber button → code → getuserphonenumber)."""
    try:
        verified = gateway.user_phone_number(code, citizen.openid)
    except WeChatError as exc:
        if exc.errcode in PHONE_CODE_ERRCODES:
            raise DomainError(messages.PHONE_CODE_INVALID, code=PHONE_CODE_INVALID, status=422,
                              fields={"code": messages.PHONE_CODE_INVALID}) from None
        if exc.errcode == 45011:
            raise DomainError(messages.PHONE_TOO_FREQUENT, code=PHONE_TOO_FREQUENT, status=429) from None
        if exc.errcode is not None and exc.errcode < -1:
            raise DomainError(messages.PHONE_NOT_TRUSTED, code=PHONE_NOT_TRUSTED, status=502) from None
        raise DomainError(messages.PHONE_UNAVAILABLE, code=WECHAT_UNAVAILABLE, status=503) from None
    set_phone(cipher, citizen, verified.phone, verified_at=now)
    session.flush()
    return citizen


# --- face verification ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartedVerification:
    verification: FaceVerification
    verify_id: str   # for wx.requestFacialVerify; handed to the citizen's own page, never logged


def start_verification(session: Session, gateway: WeChatGateway, cipher: FieldCipher, citizen: Citizen, *,
                       real_name: str, id_number: str, now: datetime) -> StartedVerification:
    """Ask WeChat for a face-verification session for the name and ID number the citizen entered."""
    out_seq_no = "bs" + secrets.token_hex(14)
    try:
        face = gateway.face_verify_id(out_seq_no, real_name, id_number, citizen.openid)
    except WeChatError as exc:
        if exc.retryable or exc.errcode in (40001, 40014, 42001):
            raise _unavailable() from None
        if exc.errcode == 40003:
            raise DomainError(messages.VERIFY_USER_UNKNOWN, code=VERIFY_REFUSED, status=422) from None
        raise DomainError(messages.VERIFY_REFUSED, code=VERIFY_REFUSED, status=422) from None
    verification = FaceVerification(
        citizen_id=citizen.id, out_seq_no=out_seq_no,
        verify_id_enc=cipher.encrypt(face.verify_id, context=VERIFY_ID_CONTEXT),
        real_name_enc=cipher.encrypt(real_name, context=NAME_CONTEXT),
        id_number_enc=cipher.encrypt(id_number, context=ID_NUMBER_CONTEXT),
        id_number_hash=cipher.lookup_hash(id_number, context=ID_NUMBER_CONTEXT),
        status=VerificationStatus.PENDING, expires_at=now + timedelta(seconds=face.expires_in))
    session.add(verification)
    session.flush()
    return StartedVerification(verification, face.verify_id)


def face_result_message(verify_ret: int) -> str:
    if verify_ret in messages.FACE_RESULTS:
        return messages.FACE_RESULTS[verify_ret]
    for low, high, same_as in messages.FACE_RESULT_RANGES:
        if low <= verify_ret <= high:
            return messages.FACE_RESULTS[same_as]
    return messages.FACE_RESULT_OTHER


def _finish(session: Session, verification: FaceVerification, status: VerificationStatus, now: datetime,
            verify_ret: int | None = None) -> None:
    verification.status, verification.verify_ret, verification.finished_at = status, verify_ret, now
    session.flush()


def _refuse_and_keep(session: Session, verification: FaceVerification, now: datetime, message: str, code: str,
                     status: int = 409, verify_ret: int | None = None) -> DomainError:
    """The attempt is over and stays recorded as failed (it counts for the velocity alerts);
    nothing about the citizen's identity changed."""
    _finish(session, verification, VerificationStatus.FAILED, now, verify_ret)
    keep_on_refusal(session)
    return DomainError(message, code=code, status=status, **({"verify_ret": verify_ret} if verify_ret else {}))


def confirm_verification(session: Session, gateway: WeChatGateway, cipher: FieldCipher, citizen: Citizen, *,
                         verification_id: int, now: datetime) -> FaceVerification:
    """After wx.requestFacialVerify: ask WeChat how it went; only verify_ret 10000 verifies, and only once."""
    verification = session.scalars(select(FaceVerification).where(
        FaceVerification.id == verification_id, FaceVerification.citizen_id == citizen.id)
        .with_for_update()).one_or_none()
    if verification is None:
        raise NotFound(messages.VERIFICATION_NOT_FOUND, code=VERIFICATION_NOT_FOUND)
    if verification.status != VerificationStatus.PENDING:
        raise IdentityRefused(messages.VERIFICATION_FINISHED, code=VERIFICATION_FINISHED)
    if verification.expires_at <= now:
        raise _refuse_and_keep(session, verification, now, messages.VERIFICATION_EXPIRED, VERIFICATION_EXPIRED)
    name = cipher.decrypt(verification.real_name_enc, context=NAME_CONTEXT)
    id_number = cipher.decrypt(verification.id_number_enc, context=ID_NUMBER_CONTEXT)
    try:
        verify_ret = gateway.face_verify_result(cipher.decrypt(verification.verify_id_enc, context=VERIFY_ID_CONTEXT),
                                                verification.out_seq_no, cert_hash(name, id_number), citizen.openid)
    except WeChatError as exc:
        if exc.errcode == FACE_NOT_FINISHED:
            raise IdentityRefused(messages.VERIFICATION_NOT_FINISHED, code=VERIFICATION_NOT_FINISHED) from None
        if exc.errcode == FACE_INVALID_ID:
            raise _refuse_and_keep(session, verification, now, messages.VERIFICATION_EXPIRED,
                                   VERIFICATION_EXPIRED) from None
        if exc.errcode == FACE_MISMATCH:
            raise _refuse_and_keep(session, verification, now, messages.VERIFICATION_MISMATCH,
                                   VERIFICATION_MISMATCH) from None
        raise _unavailable() from None
    if verify_ret != FACE_VERIFIED:
        raise _refuse_and_keep(session, verification, now, face_result_message(verify_ret), FACE_CHECK_FAILED,
                               status=422, verify_ret=verify_ret)
    _finish(session, verification, VerificationStatus.VERIFIED, now, verify_ret)
    apply_verified_identity(session, cipher, citizen, real_name=name, id_number=id_number, now=now)
    return verification


def apply_verified_identity(session: Session, cipher: FieldCipher, citizen: Citizen, *, real_name: str,
                            id_number: str, now: datetime) -> Citizen:
    """The face check passed: lock name and ID number to this account. An account that held this
    identity before loses it (and is told); the person's authorisations follow them."""
    id_hash = cipher.lookup_hash(id_number, context=ID_NUMBER_CONTEXT)
    hashes = cipher.lookup_hashes(id_number, context=ID_NUMBER_CONTEXT)   # and the old one, during a key move
    lock_for_transaction(session, "identity:" + id_hash)   # two accounts verifying one person at once
    previous = session.scalars(select(Citizen).where(Citizen.verified_id_hash.in_(hashes), Citizen.id != citizen.id)
                               .with_for_update()).one_or_none()
    if previous is not None:
        previous.verified_id_hash, previous.verified_at = None, None
        session.flush()
        session.execute(RelativeAuthorisation.__table__.update()
                        .where(RelativeAuthorisation.principal_citizen_id == previous.id,
                               RelativeAuthorisation.principal_id_hash.in_(hashes))
                        .values(principal_citizen_id=citizen.id))
        _tell(session, previous.id, messages.VERIFIED_MOVED_TITLE, messages.VERIFIED_MOVED, now)
    citizen.real_name = real_name
    set_id_number(cipher, citizen, id_number)
    citizen.verified_id_hash, citizen.verified_at = id_hash, now
    session.flush()
    # 政策快享: the facts other departments shared about this person now apply to them.
    facts_changed(session, "person", [citizen.id])
    return citizen


def _tell(session: Session, citizen_id: int, title: str, body: str, now: datetime) -> None:
    notify(session, citizen_id=citizen_id, kind="account_security",
           context={"event": title, "time": chinese_time(now), "tip": body},
           title=title, body=body, page="pages/me/index", now=now)


# --- relatives (亲友代办) ---------------------------------------------------------------------------------


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def in_force(now: datetime) -> ColumnElement[bool]:
    return (RelativeAuthorisation.status == AuthorisationStatus.ACTIVE) & (RelativeAuthorisation.expires_at > now)


def state_of(authorisation: RelativeAuthorisation, now: datetime) -> str:
    """What the citizen reads: pending, active, revoked, or expired (active past its date, pending past its code's)."""
    if authorisation.status == AuthorisationStatus.ACTIVE and authorisation.expires_at <= now:
        return "expired"
    if authorisation.status == AuthorisationStatus.PENDING and authorisation.code_expires_at <= now:
        return "expired"
    return authorisation.status


@dataclass(frozen=True)
class Invitation:
    authorisation: RelativeAuthorisation
    code: str   # shown once to the delegate, who gives it to the relative or the hall


def invite_relative(session: Session, cipher: FieldCipher, delegate: Citizen, *, name: str, id_number: str,
                    relation: str, scopes: list[str], valid_days: int, now: datetime) -> Invitation:
    """A verified citizen asks to act for a relative; nothing is in force until the relative or a hall confirms."""
    own_hash = require_verified(delegate)
    principal_hash = id_hash_as_stored(session, cipher, id_number)
    principal_hashes = cipher.lookup_hashes(id_number, context=ID_NUMBER_CONTEXT)   # and the old one, during a key move
    if own_hash in principal_hashes:
        raise DomainError(messages.RELATIVE_SELF, code=RELATIVE_SELF, status=422,
                          fields={"id_number": messages.RELATIVE_SELF})
    live = (RelativeAuthorisation.delegate_id == delegate.id) & RelativeAuthorisation.status.in_(
        [AuthorisationStatus.PENDING, AuthorisationStatus.ACTIVE])
    if session.scalar(select(func.count()).select_from(RelativeAuthorisation).where(live)) >= MAX_RELATIVES:
        raise IdentityRefused(messages.RELATIVE_TOO_MANY, code=RELATIVE_TOO_MANY)
    # A pending request whose code lapsed is replaced; a live one is reported.
    stale = session.scalars(select(RelativeAuthorisation).where(
        live, RelativeAuthorisation.principal_id_hash.in_(principal_hashes)).with_for_update()).one_or_none()
    if stale is not None and state_of(stale, now) != "expired":
        raise IdentityRefused(messages.RELATIVE_EXISTS, code=RELATIVE_EXISTS)
    if stale is not None:
        stale.status, stale.revoked_at, stale.revoked_by, stale.code_hash = (
            AuthorisationStatus.REVOKED, now, "expired", None)
        session.flush()
    code = _new_code()
    authorisation = RelativeAuthorisation(
        delegate_id=delegate.id, principal_name=name, principal_id_hash=principal_hash,
        principal_id_enc=cipher.encrypt(id_number, context=PRINCIPAL_ID_CONTEXT), relation=relation,
        scopes=sorted(set(scopes)), valid_days=valid_days, status=AuthorisationStatus.PENDING,
        code_hash=_code_hash(code), code_expires_at=now + INVITE_LIFETIME)
    session.add(authorisation)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise IdentityRefused(messages.RELATIVE_EXISTS, code=RELATIVE_EXISTS) from None
    return Invitation(authorisation, code)


def _pending_by_code(session: Session, code: str, now: datetime) -> RelativeAuthorisation:
    authorisation = session.scalars(select(RelativeAuthorisation).where(
        RelativeAuthorisation.code_hash == _code_hash(code), RelativeAuthorisation.status == AuthorisationStatus.PENDING,
        RelativeAuthorisation.code_expires_at > now).with_for_update()).one_or_none()
    if authorisation is None:
        raise NotFound(messages.INVITE_INVALID, code=INVITE_INVALID)
    return authorisation


def _activate(session: Session, authorisation: RelativeAuthorisation, via: str, now: datetime) -> None:
    authorisation.status, authorisation.confirmed_via = AuthorisationStatus.ACTIVE, via
    authorisation.activated_at = now
    authorisation.expires_at = now + timedelta(days=authorisation.valid_days)
    authorisation.code_hash = None
    session.flush()
    scopes = "、".join(messages.SCOPE_NAMES[s] for s in authorisation.scopes)
    _tell(session, authorisation.delegate_id, messages.ACTIVATED_TITLE,
          messages.ACTIVATED_BODY.format(name=authorisation.principal_name, scopes=scopes,
                                         until=chinese_date(authorisation.expires_at)), now)


def accept_invitation(session: Session, principal: Citizen, *, code: str, now: datetime) -> RelativeAuthorisation:
    """The relative confirms on their own WeChat, after their own face verification. A code meant for
    someone else reads exactly like a wrong one."""
    own_hash = require_verified(principal)
    authorisation = _pending_by_code(session, code, now)
    if authorisation.principal_id_hash != own_hash or authorisation.delegate_id == principal.id:
        raise NotFound(messages.INVITE_INVALID, code=INVITE_INVALID)
    authorisation.principal_citizen_id = principal.id
    authorisation.principal_name = principal.real_name or authorisation.principal_name
    _activate(session, authorisation, "wechat", now)
    return authorisation


def pending_for_staff(session: Session, code: str, now: datetime) -> RelativeAuthorisation:
    return _pending_by_code(session, code, now)


def record_paper_authorisation(session: Session, staff: Staff, *, code: str, paper_ref: str, centre_id: int,
                               now: datetime) -> RelativeAuthorisation:
    """Hall staff saw the signed paper authorisation (and both ID cards): the request becomes active,
    with who recorded it and where the scan is, audit-logged."""
    if not paper_ref.strip():
        raise DomainError(messages.PAPER_REF_REQUIRED, code="paper_ref_required", status=422,
                          fields={"paper_ref": messages.PAPER_REF_REQUIRED})
    authorisation = _pending_by_code(session, code, now)
    authorisation.staff_id, authorisation.staff_centre_id = staff.id, centre_id
    authorisation.paper_ref = paper_ref.strip()
    _activate(session, authorisation, "paper", now)
    audit_trail.record(session, actor=f"staff:{staff.id}", action="relative_authorisation.paper",
                       subject_type="relative_authorisation", subject_id=str(authorisation.id),
                       detail={"paper_ref": authorisation.paper_ref, "centre_id": centre_id,
                               "delegate_id": authorisation.delegate_id, "scopes": authorisation.scopes,
                               "expires_at": authorisation.expires_at.isoformat()})
    session.flush()
    return authorisation


def _principal_match(citizen: Citizen) -> ColumnElement[bool]:
    clauses = [RelativeAuthorisation.principal_citizen_id == citizen.id]
    if citizen.verified_id_hash:
        clauses.append(RelativeAuthorisation.principal_id_hash == citizen.verified_id_hash)
    return or_(*clauses)


def authorisations_of(session: Session, citizen: Citizen, now: datetime) -> tuple[list[RelativeAuthorisation],
                                                                                   list[RelativeAuthorisation]]:
    """(those I act for, those who act for me), newest first; revoked ones stay listed for the record. A request
    still waiting for me is listed too while its code holds (matched by my verified ID number): I read who asks and
    for what before I type the code, and can refuse it. One that never took effect (refused, or its code expired)
    leaves my list: a stranger who knows my ID number cannot leave a lasting entry in my records."""
    order = RelativeAuthorisation.created_at.desc(), RelativeAuthorisation.id.desc()
    mine = list(session.scalars(select(RelativeAuthorisation)
                                .where(RelativeAuthorisation.delegate_id == citizen.id).order_by(*order)))
    took_effect_or_waits = or_(RelativeAuthorisation.activated_at.is_not(None),
                               and_(RelativeAuthorisation.status == AuthorisationStatus.PENDING,
                                    RelativeAuthorisation.code_expires_at > now))
    for_me = list(session.scalars(select(RelativeAuthorisation).where(_principal_match(citizen), took_effect_or_waits)
                                  .order_by(*order)))
    return mine, for_me


def revoke(session: Session, citizen: Citizen, authorisation_id: int, now: datetime) -> RelativeAuthorisation:
    """Either side ends it at once; the other side is told."""
    authorisation = session.scalars(select(RelativeAuthorisation).where(
        RelativeAuthorisation.id == authorisation_id,
        RelativeAuthorisation.status.in_([AuthorisationStatus.PENDING, AuthorisationStatus.ACTIVE]),
        or_(RelativeAuthorisation.delegate_id == citizen.id, _principal_match(citizen)))
        .with_for_update()).one_or_none()
    if authorisation is None:
        raise NotFound(messages.RELATIVE_NOT_FOUND, code=RELATIVE_NOT_FOUND)
    by_delegate = authorisation.delegate_id == citizen.id
    was_active = authorisation.status == AuthorisationStatus.ACTIVE and authorisation.expires_at > now
    authorisation.status, authorisation.revoked_at, authorisation.code_hash = AuthorisationStatus.REVOKED, now, None
    authorisation.revoked_by = "delegate" if by_delegate else "principal"
    session.flush()
    other = authorisation.principal_citizen_id if by_delegate else authorisation.delegate_id
    if was_active and other is not None:
        who = messages.BY_DELEGATE if by_delegate else messages.BY_PRINCIPAL
        _tell(session, other, messages.REVOKED_TITLE,
              messages.REVOKED_BODY.format(who=who, name=authorisation.principal_name), now)
    elif not by_delegate and authorisation.activated_at is None:
        # The relative said 不同意 to a request still waiting: the one who asked is told, not left guessing.
        _tell(session, authorisation.delegate_id, messages.REFUSED_TITLE,
              messages.REFUSED_BODY.format(name=authorisation.principal_name), now)
    return authorisation


@dataclass(frozen=True)
class Principal:
    """The person a delegate acts for, as far as the delegate's authorisation reaches."""

    authorisation_id: int
    id_hash: str
    name: str
    id_number_enc: str
    citizen_id: int | None
    relation: str


def principal_for(session: Session, delegate: Citizen, authorisation_id: int, scope: Scope,
                  now: datetime) -> Principal:
    """An authorisation in force for this delegate, granting this scope. Anything else — another
    delegate's, pending, revoked, expired, or a delegate no longer verified — is not found."""
    authorisation = session.scalars(select(RelativeAuthorisation).where(
        RelativeAuthorisation.id == authorisation_id, RelativeAuthorisation.delegate_id == delegate.id,
        in_force(now))).one_or_none()
    if authorisation is None or delegate.verified_id_hash is None:
        raise NotFound(messages.RELATIVE_NOT_FOUND, code=RELATIVE_NOT_FOUND)
    if scope not in authorisation.scopes:
        raise DomainError(messages.SCOPE_NOT_GRANTED, code=SCOPE_NOT_GRANTED, status=403)
    return Principal(authorisation.id, authorisation.principal_id_hash, authorisation.principal_name,
                     authorisation.principal_id_enc, authorisation.principal_citizen_id, authorisation.relation)


def acts_for(session: Session, delegate: Citizen, principal: Citizen, scope: Scope, now: datetime) -> bool:
    """Whether `delegate` holds an authorisation in force from `principal` granting `scope`."""
    if delegate.verified_id_hash is None:
        return False
    return session.scalar(select(RelativeAuthorisation.id).where(
        RelativeAuthorisation.delegate_id == delegate.id, in_force(now), _principal_match(principal),
        RelativeAuthorisation.scopes.any(scope.value)).limit(1)) is not None


def reminder_recipients(session: Session, id_hashes: set[str], now: datetime) -> dict[str, list[int]]:
    """Who gets a person's reminders: their own verified account, and delegates authorised to receive them."""
    recipients: dict[str, list[int]] = {}
    if not id_hashes:
        return recipients
    rows = session.execute(
        select(Citizen.verified_id_hash, Citizen.id).where(Citizen.verified_id_hash.in_(id_hashes))
        .union_all(select(RelativeAuthorisation.principal_id_hash, RelativeAuthorisation.delegate_id)
                   .join(Citizen, Citizen.id == RelativeAuthorisation.delegate_id)
                   .where(RelativeAuthorisation.principal_id_hash.in_(id_hashes), in_force(now),
                          RelativeAuthorisation.scopes.any(Scope.REMIND), Citizen.verified_id_hash.is_not(None))))
    for id_hash, citizen_id in rows:
        if citizen_id not in recipients.setdefault(id_hash, []):
            recipients[id_hash].append(citizen_id)
    return recipients
