"""Staff accounts: password login with lockout, bearer sessions, and which centres each may see."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.centres.models import Centre, CentreLevel
from miniapp_api.centres.services import CENTRE_NOT_FOUND
from miniapp_api.platform import sessions
from miniapp_api.platform.errors import NOT_FOUND, DomainError, NotFound
from miniapp_api.platform import audit as audit_trail
from miniapp_api.platform.unit_of_work import keep_on_refusal
from miniapp_api.staff import messages
from miniapp_api.staff.models import Role, Staff, StaffNotice, StaffSession, staff_centre

SITE_NOT_FOUND = "site_not_found"
SITE_CLERK_ONLY_AT_SITES = "site_clerk_only_at_sites"

BAD_CREDENTIALS = "bad_credentials"
UNAUTHENTICATED = "unauthenticated"
INVALID_TOKEN = "invalid_token"
SESSION_EXPIRED = "session_expired"
WEAK_PASSWORD = "weak_password"

TOKEN_PREFIX = "bss_"
MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_HOURS = 12
_STRONG = re.compile(r"^(?=.*[A-Za-z])(?=.*\d).{12,128}$")


class StaffAuthFailed(DomainError):
    status = 401


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _decoy_hash() -> str:
    """Verified against when the username is unknown, so timing does not tell which usernames exist."""
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    if not _STRONG.match(password):
        raise DomainError(messages.WEAK_PASSWORD, code=WEAK_PASSWORD, status=422,
                          fields={"password": messages.WEAK_PASSWORD})
    return _hasher().hash(password)


def create_staff(session: Session, *, username: str, display_name: str, password: str, roles: list[str],
                 centre_ids: list[int]) -> Staff:
    roles = [Role(r).value for r in roles]
    if Role.SITE_CLERK in roles and (len(roles) > 1 or not centre_ids or session.scalar(
            select(func.count()).select_from(Centre).where(Centre.id.in_(centre_ids),
                                                          Centre.level != CentreLevel.SITE))):
        raise DomainError(messages.SITE_CLERK_ONLY_AT_SITES, code=SITE_CLERK_ONLY_AT_SITES, status=422,
                          fields={"roles": messages.SITE_CLERK_ONLY_AT_SITES})
    staff = Staff(username=username, display_name=display_name, password_hash=hash_password(password), roles=roles)
    session.add(staff)
    session.flush()
    if centre_ids:
        session.execute(staff_centre.insert(), [{"staff_id": staff.id, "centre_id": c} for c in centre_ids])
    return staff


@dataclass(frozen=True)
class IssuedStaffSession:
    staff: Staff
    token: str
    expires_at: datetime


def log_in(session: Session, *, username: str, password: str, now: datetime) -> IssuedStaffSession:
    """Check the password; five failures lock the account for 15 minutes (the attempt is audit-logged). Unknown,
    inactive, locked and wrong all answer the same 401, at the same cost (one argon2 verification)."""
    staff = session.scalars(select(Staff).where(Staff.username == username).with_for_update()).one_or_none()
    if staff is None or not staff.active:
        _verify(_decoy_hash(), password)
        raise StaffAuthFailed(messages.BAD_CREDENTIALS, code=BAD_CREDENTIALS)
    if staff.locked_until and staff.locked_until > now:
        # Read exactly like a wrong password, so a locked answer does not tell that the username exists.
        _verify(_decoy_hash(), password)
        audit_trail.record(session, actor=f"staff:{staff.id}", action="login_while_locked", subject_type="staff",
                           subject_id=str(staff.id), detail={})
        keep_on_refusal(session)
        raise StaffAuthFailed(messages.BAD_CREDENTIALS, code=BAD_CREDENTIALS)
    if not _verify(staff.password_hash, password):
        staff.failed_logins += 1
        if staff.failed_logins >= MAX_FAILURES:
            staff.locked_until, staff.failed_logins = now + timedelta(minutes=LOCK_MINUTES), 0
        audit_trail.record(session, actor=f"staff:{staff.id}", action="login_failed", subject_type="staff",
                           subject_id=str(staff.id), detail={"locked": staff.locked_until is not None})
        keep_on_refusal(session)  # the failure counts even though the request is refused
        raise StaffAuthFailed(messages.BAD_CREDENTIALS, code=BAD_CREDENTIALS)
    if _hasher().check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher().hash(password)
    staff.failed_logins, staff.locked_until, staff.last_login_at = 0, None, now
    expires_at = now + timedelta(hours=SESSION_HOURS)
    token = sessions.issue(session, StaffSession, TOKEN_PREFIX, expires_at, staff_id=staff.id)
    audit_trail.record(session, actor=f"staff:{staff.id}", action="login", subject_type="staff",
                       subject_id=str(staff.id))
    session.flush()
    return IssuedStaffSession(staff, token, expires_at)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# One indexed lookup per staff request, built once (as the citizens' AUTHENTICATE).
AUTHENTICATE = (select(Staff, StaffSession.revoked_at, StaffSession.expires_at)
                .join(StaffSession, StaffSession.staff_id == Staff.id)
                .where(StaffSession.token_hash == bindparam("token_hash")))


# What each login problem answers (platform/sessions.py decides which one it is); a deactivated account's
# sessions read as invalid.
_REFUSALS = {sessions.Problem.MISSING: (messages.NOT_LOGGED_IN, UNAUTHENTICATED),
             sessions.Problem.INVALID: (messages.NOT_LOGGED_IN, INVALID_TOKEN),
             sessions.Problem.EXPIRED: (messages.SESSION_EXPIRED, SESSION_EXPIRED)}


def authenticate(session: Session, token: str | None, *, now: datetime) -> Staff:
    found, problem = sessions.look_up(session, AUTHENTICATE, token, TOKEN_PREFIX, now)
    if problem is None and not found.Staff.active:
        problem = sessions.Problem.INVALID
    if problem is not None:
        message, code = _REFUSALS[problem]
        raise StaffAuthFailed(message, code=code)
    return found.Staff


def authenticate_api(session: Session, token: str | None, *, now: datetime) -> Staff:
    """The staff API's caller: a 代办点 clerk works in the console's site desk only, so every API route answers
    them as a route that does not exist (as a role they lack)."""
    staff = authenticate(session, token, now=now)
    if staff.site_only:
        raise NotFound(messages.FORBIDDEN_ROLE, code=NOT_FOUND)
    return staff


def revoke_sessions(session: Session, staff_id: int, *, now: datetime) -> int:
    """Every open session of this staff member ends now (a new password, a disabled account)."""
    result = session.execute(StaffSession.__table__.update().where(
        StaffSession.staff_id == staff_id, StaffSession.revoked_at.is_(None), StaffSession.expires_at > now)
        .values(revoked_at=now))
    return result.rowcount or 0


def purge_expired_sessions(session: Session, *, now: datetime, keep_days: int = 30) -> int:
    """Delete staff sessions that expired or were revoked more than keep_days ago."""
    return sessions.purge(session, StaffSession, now=now, keep_days=keep_days)


def log_out(session: Session, token: str, *, now: datetime) -> None:
    sessions.revoke(session, StaffSession, token, now)


def visible_centres(staff: Staff):
    """A SELECT of the staff member's centres and every centre below them (district → street → community),
    to use inside another query; admins see every centre."""
    if Role.ADMIN in staff.roles:
        return select(Centre.id)
    assigned = select(staff_centre.c.centre_id.label("id")).where(staff_centre.c.staff_id == staff.id)
    tree = assigned.cte("tree", recursive=True)
    tree = tree.union(select(Centre.id).join(tree, Centre.parent_id == tree.c.id))
    return select(tree.c.id)


def visible_centre_ids(session: Session, staff: Staff) -> set[int]:
    return set(session.scalars(visible_centres(staff)))


def require_centre(session: Session, staff: Staff, centre_id: int) -> None:
    """Another centre's records are 'not found', never 'forbidden'."""
    if centre_id not in visible_centre_ids(session, staff):
        raise NotFound(messages.CENTRE_NOT_FOUND, code=CENTRE_NOT_FOUND)


def desk_site(session: Session, staff: Staff, site_id: int) -> Centre:
    """A 代办点 (a `site` centre) the staff member works at (admins: any); any other centre, or another's site, is
    not found."""
    site = session.get(Centre, site_id)
    if site is None or site.level != CentreLevel.SITE or site_id not in visible_centre_ids(session, staff):
        raise NotFound(messages.SITE_NOT_FOUND, code=SITE_NOT_FOUND)
    return site


def desk_sites(session: Session, staff: Staff) -> list[Centre]:
    """The 代办点 the staff member works at (admins: every one), by name."""
    return list(session.scalars(select(Centre).where(Centre.id.in_(visible_centres(staff)),
                                                     Centre.level == CentreLevel.SITE).order_by(Centre.name)))


def require_role(staff: Staff, *roles: str) -> None:
    if not staff.has_role(*roles):
        raise NotFound(messages.FORBIDDEN_ROLE, code=NOT_FOUND)


def audit(session: Session, staff: Staff, action: str, subject_type: str, subject_id: object, **detail) -> None:
    audit_trail.record(session, actor=f"staff:{staff.id}", action=action, subject_type=subject_type,
                       subject_id=str(subject_id), detail=detail)


def staff_of_centre(session: Session, centre_id: int, *roles: str) -> list[Staff]:
    """Active staff assigned to this very centre with one of the roles (admins are not everyone's supervisor)."""
    return list(session.scalars(select(Staff).join(staff_centre, staff_centre.c.staff_id == Staff.id).where(
        staff_centre.c.centre_id == centre_id, Staff.active.is_(True), Staff.roles.overlap(list(roles)))
        .order_by(Staff.id)))


def notice(session: Session, staff_ids: list[int], *, kind: str, subject: tuple[str, int], text: str,
           dedupe: str | None = None) -> int:
    """Console notices; with `dedupe`, a repeated sweep writes each one once per staff member."""

    written = 0
    for staff_id in dict.fromkeys(staff_ids):
        result = session.execute(insert(StaffNotice).values(
            staff_id=staff_id, kind=kind, subject_type=subject[0], subject_id=subject[1], text=text,
            dedupe_key=f"{dedupe}:{staff_id}" if dedupe else None).on_conflict_do_nothing())
        written += result.rowcount or 0
    return written
