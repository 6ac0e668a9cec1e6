"""Who may act for whom, in one place.

An act on a person's record is allowed by a *grant* that links the acting account to the record, checked at
the moment of the act (never remembered from an earlier one):

| basis     | what links the account to the record                                      | acts                          | ends when                        |
|-----------|---------------------------------------------------------------------------|-------------------------------|----------------------------------|
| self      | the record is the account's own: its verified identity, or the account    | every act                     | never (the account is erased)    |
| relative  | the account made it under a relative authorisation that is still in force  | view (scope view or book); cancel, reschedule, check in (scope book) | the authorisation is revoked or expires, or the delegate loses their verification |
| booker    | the account booked it for someone by typing their name (no authorisation)  | every act                     | never (it counts against the account) |
| named     | the account's verified identity is the person a booking by name names      | view, cancel, check in        | never                            |

A typed claim (a name and ID number someone entered) is never a basis: it only ever keys the typing
account's own rows. Business roles (representative, agent) are checked by `businesses.services.own_business`
(the link not ended, not past its expiry, the citizen still face-verified) and staff
roles by `staff.services`; this module covers a person's records, where the grants are richer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from miniapp_api.authority import messages
from miniapp_api.citizens.models import Citizen
from miniapp_api.identity.models import AuthorisationStatus, RelativeAuthorisation, Scope
from miniapp_api.identity.services import in_force
from miniapp_api.platform.errors import DomainError

NOT_PERMITTED = "not_permitted"


class Act(StrEnum):
    VIEW = "view"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    CHECK_IN = "check_in"


class Basis(StrEnum):
    SELF = "self"
    RELATIVE = "relative"
    BOOKER = "booker"
    NAMED = "named"


EVERY_ACT = frozenset(Act)
# What each basis allows (a relative authorisation narrows it further by its scopes: `_relative_acts`).
ACTS = {
    Basis.SELF: EVERY_ACT,
    Basis.BOOKER: EVERY_ACT,
    Basis.RELATIVE: EVERY_ACT,
    Basis.NAMED: frozenset({Act.VIEW, Act.CANCEL, Act.CHECK_IN}),
}


@dataclass(frozen=True)
class Record:
    """Whose a record is, as the record itself says: the account that made it, the person it is keyed on, the
    typed ID number of a booking by name, and the relative authorisation it was made under."""

    booker_id: int | None
    person_hash: str
    named_hash: str | None = None
    authorisation_id: int | None = None


def own_keys(actor: Citizen) -> list[str]:
    """The keys an account's own records are filed under: its verified person, and the account itself."""
    return [key for key in (actor.verified_id_hash, f"account:{actor.id}") if key]


def _authorisation(session: Session, authorisation_id: int, *, lock: bool) -> RelativeAuthorisation | None:
    """With `lock`, read under a share lock: a revocation (which locks the row for update) and an act under it are
    ordered — the act waits for the revocation to commit and then sees it, or the revocation waits for the act."""
    statement = select(RelativeAuthorisation).where(RelativeAuthorisation.id == authorisation_id)
    if lock:
        statement = statement.with_for_update(read=True).execution_options(populate_existing=True)
    return session.scalars(statement).one_or_none()


def _relative_acts(authorisation: RelativeAuthorisation | None, actor: Citizen, now: datetime) -> frozenset[Act]:
    if (authorisation is None or actor.verified_id_hash is None or authorisation.delegate_id != actor.id
            or authorisation.status != AuthorisationStatus.ACTIVE or authorisation.expires_at is None
            or authorisation.expires_at <= now):
        return frozenset()
    if Scope.BOOK in authorisation.scopes:
        return EVERY_ACT
    return frozenset({Act.VIEW}) if Scope.VIEW in authorisation.scopes else frozenset()


def grants(session: Session, actor: Citizen, record: Record, now: datetime, *,
           lock: bool = False) -> dict[Basis, frozenset[Act]]:
    """Every basis the account has on the record, with the acts each allows now (`lock`: for an act that changes
    the record, the relative authorisation it rests on is read under a share lock)."""
    found: dict[Basis, frozenset[Act]] = {}
    if record.person_hash in own_keys(actor):
        found[Basis.SELF] = ACTS[Basis.SELF]
    if record.booker_id == actor.id and record.named_hash is not None:
        found[Basis.BOOKER] = ACTS[Basis.BOOKER]
    if record.booker_id == actor.id and record.authorisation_id is not None:
        acts = _relative_acts(_authorisation(session, record.authorisation_id, lock=lock), actor, now)
        if acts:
            found[Basis.RELATIVE] = acts
    if record.named_hash is not None and record.named_hash == actor.verified_id_hash:
        found[Basis.NAMED] = ACTS[Basis.NAMED]
    return found


def may(session: Session, actor: Citizen, record: Record, act: Act, now: datetime) -> Basis | None:
    """The basis on which the account may do `act` to the record now, or None."""
    for basis, acts in grants(session, actor, record, now).items():
        if act in acts:
            return basis
    return None


def require(session: Session, actor: Citizen, record: Record, act: Act, now: datetime,
            not_found: DomainError) -> Basis:
    """`may`, or a refusal: `not_found` (404) when the account has no grant on the record at all — its existence
    is not leaked —, 403 with what to do when it sees the record but this act is not granted."""
    found = grants(session, actor, record, now, lock=act != Act.VIEW)
    for basis, acts in found.items():
        if act in acts:
            return basis
    if not found:
        raise not_found
    message = messages.NAMED_CANNOT_RESCHEDULE if Basis.NAMED in found else messages.SCOPE_VIEW_ONLY
    raise DomainError(message, code=NOT_PERMITTED, status=403)


def visible(actor: Citizen, now: datetime, *, booker, person, named, authorisation,
            named_live: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    """The records the account may list, as a WHERE clause over the given columns (the same rules as `grants`).
    Records that name the account's person (someone else booked them) are listed only while `named_live` holds:
    a stranger cancelling and booking again cannot fill someone's list with dead bookings in their name."""
    clauses = [person.in_(own_keys(actor)), and_(booker == actor.id, named.is_not(None))]
    if actor.verified_id_hash:
        clauses.append(and_(named == actor.verified_id_hash, *([named_live] if named_live is not None else [])))
        clauses.append(and_(booker == actor.id, authorisation.in_(select(RelativeAuthorisation.id).where(
            RelativeAuthorisation.delegate_id == actor.id, in_force(now),
            RelativeAuthorisation.scopes.overlap([Scope.BOOK.value, Scope.VIEW.value])))))
    return or_(*clauses)


def told(session: Session, actor_id: int | None, record: Record) -> list[int]:
    """Who hears about what happens to the record besides the account that made it: the person it is for, on
    their own verified account (a relative's booking belongs to the relative; a booking by name is shown to the
    person named). Never the account itself twice."""
    keys = [key for key in (record.person_hash if record.authorisation_id is not None else None, record.named_hash)
            if key]
    if not keys:
        return []
    return [citizen_id for citizen_id in session.scalars(select(Citizen.id).where(
        Citizen.verified_id_hash.in_(keys), Citizen.deletion_requested_at.is_(None)).order_by(Citizen.id))
        if citizen_id not in (actor_id, record.booker_id)]


def booker_still_acts(session: Session, record: Record, now: datetime) -> bool:
    """Whether the account that made the record still has a grant on it (a delegate whose authorisation ended
    has none, and hears nothing more about it)."""
    if record.authorisation_id is None:
        return True
    booker = session.get(Citizen, record.booker_id) if record.booker_id is not None else None
    return booker is not None and bool(_relative_acts(session.get(RelativeAuthorisation, record.authorisation_id),
                                                      booker, now))
