"""Login through WeChat, bearer sessions, and the personal profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.citizens import messages
from miniapp_api.citizens.models import AuthSession, Citizen
from miniapp_api.platform import sessions
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform.privacy import FieldCipher, mask_id_number, mask_phone
from miniapp_api.platform.sessions import hash_token  # noqa: F401  (the tests' import)
from miniapp_api.wechat import WeChatError, WeChatGateway

INVALID_LOGIN_CODE = "invalid_login_code"
LOGIN_TOO_FREQUENT = "login_too_frequent"
LOGIN_BLOCKED = "login_blocked"
WECHAT_UNAVAILABLE = "wechat_unavailable"
UNAUTHENTICATED = "unauthenticated"
INVALID_TOKEN = "invalid_token"
SESSION_EXPIRED = "session_expired"
IDENTITY_LOCKED = "identity_locked"

TOKEN_PREFIX = "bs_"
ID_NUMBER_CONTEXT = "citizen.id_number"
PHONE_CONTEXT = "citizen.phone"
SESSION_KEY_CONTEXT = "citizen.session_key"


ACCOUNT_CLOSING = "account_closing"


class LoginRefused(DomainError):
    status = 401


class AuthenticationFailed(DomainError):
    status = 401


# code2Session errcodes → (our code, message, HTTP status)
_LOGIN_ERRORS = {
    40029: (INVALID_LOGIN_CODE, messages.INVALID_LOGIN_CODE, 401),
    40163: (INVALID_LOGIN_CODE, messages.INVALID_LOGIN_CODE, 401),
    41008: (INVALID_LOGIN_CODE, messages.INVALID_LOGIN_CODE, 401),
    45011: (LOGIN_TOO_FREQUENT, messages.LOGIN_TOO_FREQUENT, 429),
    40226: (LOGIN_BLOCKED, messages.LOGIN_BLOCKED, 403),
}


@dataclass(frozen=True)
class IssuedSession:
    citizen: Citizen
    token: str
    expires_at: datetime


def log_in(session: Session, gateway: WeChatGateway, cipher: FieldCipher, *, code: str, now: datetime,
           session_days: int) -> IssuedSession:
    """Exchange a wx.login code for our own opaque bearer token (自定义登录态)."""
    try:
        identity = gateway.code_to_session(code)
    except WeChatError as exc:
        code_, message, status = _LOGIN_ERRORS.get(exc.errcode or 0, (WECHAT_UNAVAILABLE,
                                                                      messages.WECHAT_UNAVAILABLE, 503))
        raise LoginRefused(message, code=code_, status=status) from None

    # Concurrent first logins of one user must not create two citizens.
    session.execute(insert(Citizen).values(openid=identity.openid).on_conflict_do_nothing(index_elements=["openid"]))
    citizen = session.scalars(select(Citizen).where(Citizen.openid == identity.openid)).one()
    if citizen.deletion_requested_at is not None:
        raise LoginRefused(messages.ACCOUNT_CLOSING, code=ACCOUNT_CLOSING, status=403)
    citizen.unionid = identity.unionid or citizen.unionid
    citizen.session_key_enc = cipher.encrypt(identity.session_key, context=SESSION_KEY_CONTEXT)
    citizen.last_login_at = now

    expires_at = now + timedelta(days=session_days)
    token = sessions.issue(session, AuthSession, TOKEN_PREFIX, expires_at, citizen_id=citizen.id)
    session.flush()
    return IssuedSession(citizen=citizen, token=token, expires_at=expires_at)


# Every authenticated request runs this: one indexed lookup of the token's hash, the citizen and the two
# columns of the session that decide, built once (no statement construction per request).
AUTHENTICATE = (select(Citizen, AuthSession.revoked_at, AuthSession.expires_at)
                .join(AuthSession, AuthSession.citizen_id == Citizen.id)
                .where(AuthSession.token_hash == bindparam("token_hash")))


# What each login problem answers (platform/sessions.py decides which one it is).
_REFUSALS = {sessions.Problem.MISSING: (messages.NOT_LOGGED_IN, UNAUTHENTICATED),
             sessions.Problem.INVALID: (messages.INVALID_TOKEN, INVALID_TOKEN),
             sessions.Problem.EXPIRED: (messages.SESSION_EXPIRED, SESSION_EXPIRED)}


def authenticate(session: Session, token: str | None, *, now: datetime) -> Citizen:
    found, problem = sessions.look_up(session, AUTHENTICATE, token, TOKEN_PREFIX, now)
    if problem is not None:
        message, code = _REFUSALS[problem]
        raise AuthenticationFailed(message, code=code)
    return found.Citizen


def log_out(session: Session, token: str, *, now: datetime) -> None:
    sessions.revoke(session, AuthSession, token, now)


def purge_expired_sessions(session: Session, *, now: datetime, keep_days: int = 30) -> int:
    """Delete sessions that expired or were revoked more than keep_days ago."""
    return sessions.purge(session, AuthSession, now=now, keep_days=keep_days)


_UNSET = object()


def update_profile(session: Session, cipher: FieldCipher, citizen: Citizen, *, real_name: object = _UNSET,
                   id_number: object = _UNSET, phone: object = _UNSET) -> Citizen:
    """Set or clear (None) profile fields; values arrive already validated by the schema.

    A verified name and ID number are locked: only a new face verification changes them.
    A typed phone is unverified until it comes through WeChat's getPhoneNumber.
    """
    if citizen.verified_id_hash is not None and (
            (real_name is not _UNSET and real_name != citizen.real_name)
            or (id_number is not _UNSET and (not id_number or citizen.verified_id_hash not in cipher.lookup_hashes(
                str(id_number).upper(), context=ID_NUMBER_CONTEXT)))):
        raise DomainError(messages.IDENTITY_LOCKED, code=IDENTITY_LOCKED, status=409)
    if real_name is not _UNSET:
        citizen.real_name = real_name  # type: ignore[assignment]
    if id_number is not _UNSET:
        set_id_number(cipher, citizen, str(id_number).upper() if id_number else None)
    if phone is not _UNSET:
        set_phone(cipher, citizen, str(phone) if phone else None)
    session.flush()
    return citizen


def set_id_number(cipher: FieldCipher, citizen: Citizen, value: str | None) -> None:
    """Stored encrypted, with a keyed hash beside it; None clears both."""
    citizen.id_number_enc = cipher.encrypt(value, context=ID_NUMBER_CONTEXT) if value else None
    citizen.id_number_hash = cipher.lookup_hash(value, context=ID_NUMBER_CONTEXT) if value else None


def set_phone(cipher: FieldCipher, citizen: Citizen, value: str | None, *, verified_at: datetime | None = None) -> None:
    """A typed phone is unverified; one WeChat vouched for carries the moment it did."""
    citizen.phone_enc = cipher.encrypt(value, context=PHONE_CONTEXT) if value else None
    citizen.phone_hash = cipher.lookup_hash(value, context=PHONE_CONTEXT) if value else None
    citizen.phone_verified_at = verified_at if value else None


@dataclass(frozen=True)
class Profile:
    id: int
    real_name: str | None
    id_number_masked: str | None
    phone_masked: str | None
    registered_at: datetime
    verified: bool
    verified_at: datetime | None
    phone_verified: bool


def profile_of(citizen: Citizen, cipher: FieldCipher) -> Profile:
    """What the citizen sees of themselves: personal numbers masked, never in full."""
    id_number = cipher.decrypt(citizen.id_number_enc, context=ID_NUMBER_CONTEXT) if citizen.id_number_enc else None
    phone = cipher.decrypt(citizen.phone_enc, context=PHONE_CONTEXT) if citizen.phone_enc else None
    return Profile(id=citizen.id, real_name=citizen.real_name,
                   id_number_masked=mask_id_number(id_number) if id_number else None,
                   phone_masked=mask_phone(phone) if phone else None, registered_at=citizen.created_at,
                   verified=citizen.verified, verified_at=citizen.verified_at,
                   phone_verified=citizen.phone_verified_at is not None)
