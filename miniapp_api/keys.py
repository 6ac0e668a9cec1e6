"""Moving a live store to a new data key or to another suite (`banshi keys rotate`; docs/privacy.md).

Run with the new settings in force everywhere (the new key first in DATA_KEY, the old ones after it). While the
web and workers go on, it

1. re-seals every sealed column (and the sealed field kept inside a JSON column) whose value is not sealed with
   the key that seals now, in chunks of rows locked for the moment of their update: each chunk commits alone, so
   a stopped run resumes where values are still old, and a value already current is never touched;
2. after a move from intl to gm, re-keys every lookup hash: a chunk of distinct old hashes (gathered over all
   hash columns) becomes the new ones in every table in one transaction, so a person's rows join as before at
   every moment; meanwhile each lookup by a value asks for its new hash or its old one (FieldCipher.
   lookup_hashes), so nobody goes unfound. The gm hash of a moved store is the HMAC-SM3 of the intl hash, which
   is how a hash whose value is stored nowhere (an imported fact, a booking's person) can be moved at all;
3. checks that every key a certificate or an inspection conclusion names is still in the signing key ring.

Passes repeat until one finds nothing left (a request that read an old value just before its chunk moved may
write it after). Nothing secret is printed or logged: tables, columns and counts only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from sqlalchemy import (
    Column,
    String,
    Text,
    and_,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    union,
    update,
    values,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from miniapp_api.applications.batches import MEMBERS_CONTEXT
from miniapp_api.applications.models import Application, ApplicationBatch
from miniapp_api.assistance.models import AssistanceRequest
from miniapp_api.appointments.models import (
    Appointment,
    AppointmentItem,
    BookingSuspension,
    WaitlistEntry,
)
from miniapp_api.businesses.models import Business
from miniapp_api.businesses.services import PAYOUT_CONTEXT
from miniapp_api.certificates.models import Certificate
from miniapp_api.certificates.signing import KeyRing
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import (
    ID_NUMBER_CONTEXT,
    PHONE_CONTEXT,
    SESSION_KEY_CONTEXT,
)
from miniapp_api.filing.models import Filing
from miniapp_api.filing.services import MAIL_CONTEXT
from miniapp_api.identity.models import FaceVerification, RelativeAuthorisation
from miniapp_api.identity.services import (
    NAME_CONTEXT,
    PRINCIPAL_ID_CONTEXT,
    VERIFY_ID_CONTEXT,
)
from miniapp_api.inspections.models import Inspection
from miniapp_api.licences.models import Licence
from miniapp_api.platform.crypto_suite import CryptoSuite
from miniapp_api.platform.privacy import VERSIONS, DecryptionError, FieldCipher
from miniapp_api.policies.models import PersonFact, PolicyGrant
from miniapp_api.policies.services import ACCOUNT_CONTEXT

log = structlog.get_logger(__name__)

# Every column holding a sealed value, with the context it is sealed under (tests/test_keys_rotate.py checks that
# every `*_enc` column of the models is here).
SEALED: tuple[tuple[Column, str], ...] = (
    (Citizen.__table__.c.session_key_enc, SESSION_KEY_CONTEXT),
    (Citizen.__table__.c.id_number_enc, ID_NUMBER_CONTEXT),
    (Citizen.__table__.c.phone_enc, PHONE_CONTEXT),
    (FaceVerification.__table__.c.verify_id_enc, VERIFY_ID_CONTEXT),
    (FaceVerification.__table__.c.real_name_enc, NAME_CONTEXT),
    (FaceVerification.__table__.c.id_number_enc, ID_NUMBER_CONTEXT),
    (RelativeAuthorisation.__table__.c.principal_id_enc, PRINCIPAL_ID_CONTEXT),
    (Business.__table__.c.payout_account_enc, PAYOUT_CONTEXT),
    (PolicyGrant.__table__.c.account_enc, ACCOUNT_CONTEXT),
    (Filing.__table__.c.mail_enc, MAIL_CONTEXT),
    (ApplicationBatch.__table__.c.members_enc, MEMBERS_CONTEXT),
    (Application.__table__.c.id_number_enc, ID_NUMBER_CONTEXT),
    (Application.__table__.c.phone_enc, PHONE_CONTEXT),
    (Appointment.__table__.c.proxy_id_number_enc, ID_NUMBER_CONTEXT),
    (Appointment.__table__.c.proxy_phone_enc, PHONE_CONTEXT),
    (AssistanceRequest.__table__.c.contact_phone_enc, PHONE_CONTEXT),
)
# Sealed values kept as one field of a JSON column: (column, field, context).
SEALED_IN_JSON: tuple[tuple[Column, str, str], ...] = (
    (PolicyGrant.__table__.c.form, "phone_enc", PHONE_CONTEXT),   # 快申快享: the contact phone as submitted
)
# Every column holding lookup hashes of personal numbers (or keys made of them: `account:<id>`, `erased:<id>` and
# `named:<booker>:<40 characters of a hash>` stand beside them in the booking tables).
HASHED: tuple[Column, ...] = (
    Citizen.__table__.c.id_number_hash,
    Citizen.__table__.c.verified_id_hash,
    Citizen.__table__.c.phone_hash,
    FaceVerification.__table__.c.id_number_hash,
    RelativeAuthorisation.__table__.c.principal_id_hash,
    Business.__table__.c.representative_id_hash,
    PersonFact.__table__.c.id_hash,
    Certificate.__table__.c.holder_id_hash,
    Licence.__table__.c.contact_id_hash,
    Application.__table__.c.id_number_hash,
    Appointment.__table__.c.person_hash,
    Appointment.__table__.c.accountable_hash,
    Appointment.__table__.c.named_id_hash,
    AppointmentItem.__table__.c.person_hash,
    BookingSuspension.__table__.c.person_hash,
    WaitlistEntry.__table__.c.person_hash,
    AssistanceRequest.__table__.c.contact_id_hash,
)
# An intl lookup hash: HMAC-SHA256 as 64 lowercase hex digits.
INTL_HASH = "^[0-9a-f]{64}$"
MAX_PASSES = 20
DEADLOCK_RETRIES = 5


def label(col: Column) -> str:
    return f"{col.table.name}.{col.name}"


@dataclass
class Leftovers:
    """What a move has still to do, per column (empty when done)."""

    sealed: dict[str, int] = field(default_factory=dict)
    hashed: dict[str, int] = field(default_factory=dict)
    unknown_signing_keys: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not self.sealed and not self.hashed and not self.unknown_signing_keys


def _current_prefix(cipher: FieldCipher) -> str:
    return f"{VERSIONS[cipher.suite]}.{cipher.active_kid}."


def _not_current(col, cipher: FieldCipher):
    return and_(col.is_not(None), ~col.startswith(_current_prefix(cipher), autoescape=True))


def _moves_hashes(cipher: FieldCipher) -> bool:
    return cipher.suite is CryptoSuite.GM and cipher.moves_from_intl


def leftovers(session: Session, cipher: FieldCipher, ring: KeyRing | None = None) -> Leftovers:
    found = Leftovers()
    for col, _ in SEALED:
        count = session.scalar(select(func.count()).where(_not_current(col, cipher)).select_from(col.table))
        if count:
            found.sealed[label(col)] = count
    for col, name, _ in SEALED_IN_JSON:
        inner = col[name].astext
        count = session.scalar(select(func.count()).where(_not_current(inner, cipher)).select_from(col.table))
        if count:
            found.sealed[f"{label(col)}.{name}"] = count
    if _moves_hashes(cipher):
        for col in HASHED:
            count = session.scalar(select(func.count()).where(col.op("~")(INTL_HASH)).select_from(col.table))
            if count:
                found.hashed[label(col)] = count
    if ring is not None:
        found.unknown_signing_keys = unknown_signing_keys(session, ring)
    return found


def unknown_signing_keys(session: Session, ring: KeyRing) -> list[str]:
    """Key ids that a stored certificate or inspection conclusion names but the ring does not hold: what they
    signed would no longer verify (CERTIFICATE_RETIRED_KEYS must list them)."""
    named = set(session.scalars(select(Certificate.key_id).distinct()))
    named |= set(session.scalars(select(func.split_part(Inspection.signature, ":", 2)).distinct()
                                 .where(Inspection.signature.is_not(None))))
    return sorted(key_id for key_id in named if key_id and ring.key(key_id) is None)


def _retrying(engine: Engine, work: Callable[[Session], int]) -> int:
    """One chunk in its own transaction; a deadlock with a request (both locking rows) is tried again."""
    for attempt in range(DEADLOCK_RETRIES):
        try:
            with Session(engine) as session, session.begin():
                return work(session)
        except DBAPIError as exc:
            if isinstance(exc, IntegrityError) or attempt == DEADLOCK_RETRIES - 1 \
                    or getattr(exc.orig, "sqlstate", None) not in ("40P01", "40001"):
                raise
            log.warning("keys.chunk_retried", reason=getattr(exc.orig, "sqlstate", None))
    raise AssertionError("unreachable")


def _reseal_column(engine: Engine, cipher: FieldCipher, col: Column, context: str, chunk: int,
                   say: Callable[[str], None], json_field: str | None = None) -> int:
    table, pk = col.table, col.table.c.id
    sealed = col[json_field].astext if json_field else col
    name = f"{label(col)}.{json_field}" if json_field else label(col)
    cursor, resealed = 0, 0

    def one_chunk(session: Session) -> int:
        nonlocal cursor, resealed
        rows = session.execute(select(pk, sealed).where(pk > cursor, _not_current(sealed, cipher))
                               .order_by(pk).limit(chunk).with_for_update(of=table)).all()
        for row_id, token in rows:
            try:
                fresh = cipher.encrypt(cipher.decrypt(token, context=context), context=context)
            except DecryptionError:   # no key of the ring opens it (damaged, or its key is gone): left, reported
                log.warning("keys.unreadable", column=name, row=row_id)
                continue
            value = (func.jsonb_set(col, literal_column(f"'{{{json_field}}}'::text[]"), func.to_jsonb(cast(fresh, Text)))
                     if json_field else fresh)
            session.execute(update(table).where(pk == row_id).values({col.name: value}))
            resealed += 1
        if rows:
            cursor = rows[-1][0]
        return len(rows)

    while count := _retrying(engine, one_chunk):
        say(f"re-sealed {name}: {resealed}")
        log.info("keys.resealed", column=name, rows=count, resealed=resealed)
    return resealed


def _old_hashes_after(session: Session, cursor: str, chunk: int) -> list[str]:
    parts = [select(col.label("h")).where(col > cursor, col.op("~")(INTL_HASH)).order_by(col).limit(chunk)
             for col in HASHED]
    gathered = union(*parts).subquery()
    return list(session.scalars(select(gathered.c.h).order_by(gathered.c.h).limit(chunk)))


def _mapping(pairs: list[tuple[str, str]]):
    return values(column("old", String), column("new", String), name="moved").data(pairs)


def _named(booker, hashed):
    return literal("named:") + cast(booker, String) + literal(":") + func.left(hashed, 40)


def _rekey_statements(moved) -> list:
    appointment, item, entry = Appointment.__table__, AppointmentItem.__table__, WaitlistEntry.__table__
    # A booking by name counts as `named:<booker>:<40 characters of the typed hash>`: moved with the typed hash,
    # which the appointment keeps whole (items before their appointment, whose typed hash still reads old).
    statements = [
        update(item).where(item.c.appointment_id == appointment.c.id, appointment.c.named_id_hash == moved.c.old,
                           item.c.person_hash == _named(appointment.c.citizen_id, moved.c.old))
        .values(person_hash=_named(appointment.c.citizen_id, moved.c.new)),
        update(entry).where(entry.c.person_hash.like("named:%"),
                            entry.c.person_hash == _named(entry.c.citizen_id, moved.c.old))
        .values(person_hash=_named(entry.c.citizen_id, moved.c.new)),
        update(appointment).where(appointment.c.named_id_hash == moved.c.old,
                                  appointment.c.person_hash == _named(appointment.c.citizen_id, moved.c.old))
        .values(person_hash=_named(appointment.c.citizen_id, moved.c.new)),
    ]
    return statements + [update(col.table).where(col == moved.c.old).values({col.name: moved.c.new})
                         for col in HASHED]


def _rekey(session: Session, pairs: list[tuple[str, str]]) -> int:
    """Old hashes to new ones in every hash column; answers how many rows were left because of a conflict."""
    conflicts = 0
    for index, statement in enumerate(_rekey_statements(_mapping(pairs))):
        try:
            with session.begin_nested():
                session.execute(statement)
        except IntegrityError:
            # A row written under the new hash during the move already holds what this one would become (a
            # unique key): each value on its own, leaving the conflicting rows for a person to look at.
            for pair in pairs:
                try:
                    with session.begin_nested():
                        session.execute(_rekey_statements(_mapping([pair]))[index])
                except IntegrityError:
                    conflicts += 1
                    log.warning("keys.rehash_conflict", table=statement.table.name)
    return conflicts


def rehash(engine: Engine, cipher: FieldCipher, chunk: int, say: Callable[[str], None]) -> int:
    if not _moves_hashes(cipher):
        return 0
    cursor, total, conflicts = "", 0, 0

    def one_chunk(session: Session) -> int:
        nonlocal cursor, conflicts
        old = _old_hashes_after(session, cursor, chunk)
        if not old:
            return 0
        conflicts += _rekey(session, [(h, cipher.moved_hash(h)) for h in old])
        cursor = old[-1]
        return len(old)

    while count := _retrying(engine, one_chunk):
        total += count
        say(f"re-keyed lookup hashes: {total} values")
        log.info("keys.rehashed", values=count, total=total, conflicts=conflicts)
    return total


def rotate(engine: Engine, cipher: FieldCipher, ring: KeyRing, *, chunk: int = 500,
           say: Callable[[str], None] = lambda _line: None) -> Leftovers:
    """Move every stored value to the current key (and suite) until a pass finds nothing left; what is left
    after MAX_PASSES (a process still writing with the old settings) is returned."""
    for attempt in range(1, MAX_PASSES + 1):
        moved = sum(_reseal_column(engine, cipher, col, context, chunk, say) for col, context in SEALED)
        moved += sum(_reseal_column(engine, cipher, col, context, chunk, say, json_field=name)
                     for col, name, context in SEALED_IN_JSON)
        moved += rehash(engine, cipher, chunk, say)
        with Session(engine) as session:
            left = leftovers(session, cipher, ring)
        log.info("keys.pass_done", attempt=attempt, moved=moved, sealed_left=sum(left.sealed.values()),
                 hashes_left=sum(left.hashed.values()))
        if (not left.sealed and not left.hashed) or not moved:   # done, or what is left cannot be moved
            return left
    return left
