"""The audit trail as a hash chain: every row carries the digest of its content and of the row before it.

One way in: `record(...)`. It takes a transaction-level advisory lock, reads the chain's head, inserts the row
chained to it and keeps the lock until the transaction ends, so concurrent writers form one total order (the
row ids follow it: an id is drawn only once the lock is held). A rolled-back writer leaves no trace in the
chain. Audit rows are written by staff actions and by sweeps, never on a citizen's booking path.

What a digest covers (`content`): actor, action, subject type and id, the digest of the detail, and the
moment in UTC, as canonical JSON (keys sorted, no spaces, UTF-8), so the bytes are the same after any JSONB
round trip. The detail enters through its own digest so that 注销 can cut a person's identifiers out of a
row (`redact_details`) and say so in a chained row, without breaking the chain.

Digests are "<algorithm>:<hex>"; `_digest` is the one function that makes them. Each day's head is signed
with the system key by `seal_days` (the table audit_day_seal); `verify` walks the chain, names the first row
edited, inserted or removed, and checks the seals; `prune` removes a sealed prefix for retention.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any, Protocol

from sqlalchemy import ColumnElement, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.platform import crypto_suite, messages
from miniapp_api.platform.clock import SHANGHAI, local_date, utcnow
from miniapp_api.platform.models import AuditCheck, AuditDaySeal, AuditLog

# Every algorithm a stored digest may name. New digests follow the process's cryptographic suite (SHA-256 under
# intl, SM3 under gm: crypto_suite.use at start); each row names its own, so a chain spanning a move verifies.
DIGESTS: dict[str, Callable[[bytes], str]] = {"sha256": lambda data: hashlib.sha256(data).hexdigest(),
                                              "sm3": lambda data: crypto_suite.sm3(data).hex()}


def current_algorithm() -> str:
    """The algorithm new digests are made with."""
    return "sm3" if crypto_suite.current() is crypto_suite.CryptoSuite.GM else "sha256"
# The prev_digest of the very first row.
GENESIS = "genesis"
# pg_advisory_xact_lock key of the chain's head (any fixed 64-bit number, the same in every process).
CHAIN_LOCK = 0x62616E736869A0D1
# No audit row is removed before this many days (网络安全法 第二十一条: logs kept at least six months).
MIN_RETENTION_DAYS = 180
REDACTED = "audit.redacted"
# The trigger of migration 0025 lets `detail` change only while this is on (SET LOCAL, one transaction).
REDACTION_SETTING = "banshi.audit_redaction"


class Sealer(Protocol):
    """The system key ring (certificates/signing.KeyRing), as far as the audit trail uses it."""

    def seal(self, payload: dict[str, Any]) -> str: ...

    def check_seal(self, payload: dict[str, Any], seal: str | None, signed_on: date | None) -> tuple[Any, str]: ...


def _digest(data: bytes, algorithm: str | None = None) -> str:
    """The one digest function: "<algorithm>:<hex>" (by default the suite's)."""
    algorithm = algorithm or current_algorithm()
    return f"{algorithm}:{DIGESTS[algorithm](data)}"


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def algorithm_of(digest: str | None) -> str | None:
    name, sep, _ = (digest or "").partition(":")
    return name if sep and name in DIGESTS else None


def detail_digest(detail: dict[str, Any], algorithm: str | None = None) -> str:
    return _digest(canonical(detail), algorithm)


def content(row: AuditLog | Any, detail_hash: str) -> dict[str, str]:
    return {"actor": row.actor, "action": row.action, "subject_type": row.subject_type,
            "subject_id": row.subject_id, "detail": detail_hash, "created_at": _utc_iso(row.created_at)}


def row_digest(prev_digest: str, body: dict[str, str], algorithm: str | None = None) -> str:
    return _digest(prev_digest.encode() + b"\n" + canonical(body), algorithm)


def _head(session: Session) -> str:
    last = session.scalar(select(AuditLog.digest).where(AuditLog.digest.is_not(None))
                          .order_by(AuditLog.id.desc()).limit(1))
    return last or GENESIS


def record(session: Session, *, actor: str, action: str, subject_type: str, subject_id: object,
           detail: dict[str, Any] | None = None, at: datetime | None = None) -> AuditLog:
    """Write one audit row, chained to the head. The lock is held until this transaction ends: audit rows
    are written by staff actions and sweeps, so the wait is short and never on a citizen's booking."""
    session.execute(select(func.pg_advisory_xact_lock(CHAIN_LOCK)))
    prev = _head(session)
    # The detail as JSONB will give it back (numbers normalised, keys strings), so its digest holds later.
    stored = session.scalar(text("SELECT CAST(:detail AS jsonb)"), {"detail": json.dumps(detail or {})})
    row = AuditLog(actor=actor, action=action, subject_type=subject_type, subject_id=str(subject_id),
                   detail=stored, created_at=at or utcnow(), prev_digest=prev)
    row.digest = row_digest(prev, content(row, detail_digest(row.detail)))
    session.add(row)
    session.flush()
    return row


def redact_details(session: Session, where: ColumnElement[bool], new_detail: ColumnElement[Any], *,
                   actor: str) -> int:
    """Rewrite the detail of the matching rows (注销 cuts a person's identifiers out of them) and chain a row
    saying which rows changed, from which detail digest to which: verification follows it."""
    changed = list(session.execute(select(AuditLog.id, AuditLog.digest, AuditLog.detail, new_detail.label("after"))
                                   .where(where).order_by(AuditLog.id).with_for_update()))
    changed = [c for c in changed if c.after != c.detail]
    if not changed:
        return 0
    session.execute(text(f"SET LOCAL {REDACTION_SETTING} = 'on'"))
    session.execute(update(AuditLog).where(AuditLog.id.in_([c.id for c in changed])).values(detail=new_detail)
                    .execution_options(synchronize_session=False))
    session.execute(text(f"SET LOCAL {REDACTION_SETTING} = 'off'"))
    rows = []
    for c in changed:
        algorithm = algorithm_of(c.digest) or current_algorithm()
        rows.append([str(c.id), detail_digest(c.detail, algorithm), detail_digest(c.after, algorithm)])
    record(session, actor=actor, action=REDACTED, subject_type="audit_log", subject_id=len(rows),
           detail={"rows": rows})
    session.expire_all()
    return len(rows)


# --- day seals ------------------------------------------------------------------------------------------


def day_end(day: date) -> datetime:
    """The first instant after an Asia/Shanghai day, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC)


def day_start(day: date) -> datetime:
    return day_end(day - timedelta(days=1))


def seal_payload(day: date, last_id: int, digest: str) -> dict[str, str]:
    return {"kind": "banshi.audit_day", "day": day.isoformat(), "last_id": str(last_id), "digest": digest}


def seal_days(session: Session, ring: Sealer, upto: date) -> list[date]:
    """Sign the head of every day up to `upto` that has rows and no seal yet. Safe to run twice: a day is
    sealed once (the first seal stands); a day without rows needs none."""
    latest = session.scalar(select(func.max(AuditDaySeal.day)))
    since = [AuditLog.created_at >= day_end(latest)] if latest else []
    local_day = func.date(func.timezone("Asia/Shanghai", AuditLog.created_at))
    days = sorted(session.scalars(select(func.distinct(local_day)).where(*since, AuditLog.created_at < day_end(upto))))
    written = []
    for day in days:
        # The day's last chained row (found through the BRIN index on created_at): the seal vouches for the
        # whole chain up to it.
        last_id = session.scalar(select(func.max(AuditLog.id)).where(
            AuditLog.created_at >= day_start(day), AuditLog.created_at < day_end(day), AuditLog.digest.is_not(None)))
        last = session.execute(select(AuditLog.id, AuditLog.digest).where(AuditLog.id == last_id)).first()
        if last is None:
            continue
        result = session.execute(insert(AuditDaySeal).values(
            day=day, last_id=last.id, digest=last.digest, seal=ring.seal(seal_payload(day, last.id, last.digest)),
            sealed_at=utcnow()).on_conflict_do_nothing())
        if result.rowcount:
            written.append(day)
    return written


# --- verification --------------------------------------------------------------------------------------


@dataclass
class Break:
    kind: str            # a key of the texts in `describe`
    row_id: int | None
    day: date | None = None
    after_id: int | None = None      # for a removal: the last good row before the gap

    def describe(self) -> tuple[str, str]:
        """(Chinese, English)."""
        chinese, english = messages.AUDIT_BREAKS[self.kind]
        values = {"row": self.row_id, "day": self.day, "after": self.after_id, "days": MIN_RETENTION_DAYS}
        return chinese.format(**values), english.format(**values)


@dataclass
class Report:
    rows: int = 0
    breaks: list[Break] = field(default_factory=list)
    seals: int = 0

    @property
    def intact(self) -> bool:
        return not self.breaks

    @property
    def first(self) -> Break | None:
        return self.breaks[0] if self.breaks else None


def _redactions(session: Session, from_id: int) -> dict[int, list[tuple[str, str]]]:
    """Row id → its detail digests (before, after) in the order the chained redaction rows recorded them."""
    found: dict[int, list[tuple[str, str]]] = {}
    for detail in session.scalars(select(AuditLog.detail).where(AuditLog.action == REDACTED, AuditLog.id > from_id,
                                                                 AuditLog.digest.is_not(None)).order_by(AuditLog.id)):
        for row_id, before, after in detail.get("rows", []):
            found.setdefault(int(row_id), []).append((before, after))
    return found


def _chained_detail(row: AuditLog, algorithm: str, redactions: dict[int, list[tuple[str, str]]]) -> str | None:
    """The detail digest the row was chained with; None when its present detail is not what was recorded."""
    now = detail_digest(row.detail, algorithm)
    steps = redactions.get(row.id)
    if not steps:
        return now
    for (_, after), (before, _) in pairwise(steps):
        if after != before:
            return None
    return steps[0][0] if steps[-1][1] == now else None


def _seal_verdict(ring: Sealer, seal: AuditDaySeal) -> bool:
    verdict, _ = ring.check_seal(seal_payload(seal.day, seal.last_id, seal.digest), seal.seal, seal.day)
    return verdict == "valid"


def verify(session: Session, ring: Sealer, now: datetime, *, day_from: date | None = None,
           day_to: date | None = None, chunk: int = 5000) -> Report:
    """Walk the chain (all of it, or the rows created on the days from `day_from` to `day_to`, Asia/Shanghai)
    and check the day seals of those days. Reads in chunks by id; holds no lock. Stops at the first break
    of the chain (what follows it cannot be judged); every bad seal is listed."""
    report = Report()
    bounds = [*([AuditLog.created_at >= day_start(day_from)] if day_from else []),
              *([AuditLog.created_at < day_end(day_to)] if day_to else [])]
    low, high = session.execute(select(func.min(AuditLog.id), func.max(AuditLog.id)).where(*bounds)).one()
    seals = list(session.scalars(select(AuditDaySeal).where(
        *([AuditDaySeal.day >= day_from] if day_from else []), *([AuditDaySeal.day <= day_to] if day_to else []))
        .order_by(AuditDaySeal.day)))
    report.seals = len(seals)
    report.breaks.extend(Break("seal_invalid", None, s.day) for s in seals if not _seal_verdict(ring, s))
    if low is None:
        return report
    _walk(session, ring, report, low, high, now, {s.last_id: s for s in seals}, chunk)
    present = set(session.scalars(select(AuditLog.id).where(AuditLog.id.in_([s.last_id for s in seals]))))
    report.breaks.extend(Break("seal_row_missing", s.last_id, s.day) for s in seals
                         if s.last_id >= low and s.last_id not in present)
    sealed = {s.day for s in seals}
    due = local_date(now) - timedelta(days=2)   # yesterday's seal may not be made yet
    report.breaks.extend(Break("seal_missing", None, day) for day in sorted(_days_with_rows(session, low, high))
                         if day <= due and day not in sealed)
    return report


def _walk(session: Session, ring: Sealer, report: Report, low: int, high: int, now: datetime,
          seals: dict[int, AuditDaySeal], chunk: int) -> None:
    expected, previous_id = _anchor(session, ring, low, now, report)
    if expected is None:
        return
    before_previous: str | None = None
    redactions = _redactions(session, low - 1)
    position = low
    while True:
        rows = list(session.scalars(select(AuditLog).where(AuditLog.id >= position, AuditLog.id <= high)
                                    .order_by(AuditLog.id).limit(chunk + 1)))
        page, lookahead = rows[:chunk], (rows[chunk] if len(rows) > chunk else None)
        for index, row in enumerate(page):
            report.rows += 1
            following = page[index + 1] if index + 1 < len(page) else lookahead or session.scalar(
                select(AuditLog).where(AuditLog.id > row.id).order_by(AuditLog.id).limit(1))
            problem = _check_row(row, expected, previous_id, following, redactions)
            if problem is not None and problem.kind == "removed" and previous_id is not None \
                    and row.prev_digest == before_previous:
                problem = Break("inserted", previous_id)   # the row before chained in, but nothing after it
            seal = seals.get(row.id)
            if problem is None and seal is not None and seal.digest != row.digest:
                problem = Break("seal_mismatch", row.id, seal.day)
            if problem is not None:
                report.breaks.insert(0, problem)
                return
            before_previous, expected, previous_id = expected, row.digest, row.id
        if lookahead is None:
            return
        position = lookahead.id


def _days_with_rows(session: Session, low: int, high: int) -> set[date]:
    days = session.scalars(select(func.distinct(func.date(func.timezone("Asia/Shanghai", AuditLog.created_at))))
                           .where(AuditLog.id >= low, AuditLog.id <= high))
    return set(days)


def _anchor(session: Session, ring: Sealer, low: int, now: datetime, report: Report) -> tuple[str | None, int | None]:
    """What the first row of the range must chain to: the row before it, or, when everything before it is gone
    (pruned for retention), the signed seal of the last pruned day."""
    before = session.execute(select(AuditLog.id, AuditLog.digest).where(AuditLog.id < low, AuditLog.digest.is_not(None))
                             .order_by(AuditLog.id.desc()).limit(1)).first()
    if before is not None:
        return before.digest, before.id
    first = session.get(AuditLog, low)
    if first is None or first.prev_digest in (None, GENESIS):
        return GENESIS, None
    seal = session.scalar(select(AuditDaySeal).where(AuditDaySeal.last_id < low)
                          .order_by(AuditDaySeal.last_id.desc()).limit(1))
    if seal is None or seal.digest != first.prev_digest or not _seal_verdict(ring, seal):
        report.breaks.append(Break("removed_start", low))
        return None, None
    if seal.day >= local_date(now) - timedelta(days=MIN_RETENTION_DAYS):
        report.breaks.append(Break("pruned_too_early", low, seal.day))
        return None, None
    return seal.digest, None


def _check_row(row: AuditLog, expected: str | None, previous_id: int | None, following: AuditLog | None,
               redactions: dict[int, list[tuple[str, str]]]) -> Break | None:
    algorithm = algorithm_of(row.digest)
    if row.digest is None or row.prev_digest is None or algorithm is None:
        return Break("unchained", row.id)
    if row.prev_digest != expected:
        if following is not None and following.prev_digest == expected:
            return Break("inserted", row.id)
        return Break("removed", row.id, after_id=previous_id)
    chained = _chained_detail(row, algorithm, redactions)
    if chained is None or row_digest(row.prev_digest, content(row, chained), algorithm) != row.digest:
        return Break("edited", row.id)
    return None


def save_check(session: Session, report: Report, now: datetime) -> AuditCheck:
    """Keep a run's outcome for the console's chain box."""
    first = report.first
    check = AuditCheck(checked_at=now, intact=report.intact, rows=report.rows,
                       first_break=first.describe()[0] if first else None,
                       break_row_id=first.row_id if first else None)
    session.add(check)
    session.flush()
    return check


def last_check(session: Session) -> AuditCheck | None:
    return session.scalar(select(AuditCheck).order_by(AuditCheck.checked_at.desc(), AuditCheck.id.desc()).limit(1))


# --- retention -----------------------------------------------------------------------------------------


def prune(session: Session, now: datetime, keep_days: int) -> int:
    """Remove the chain's oldest rows, whole sealed days at a time, once older than `keep_days`: the rows up
    to the seal of the last day wholly past the period. Nothing goes before a day is sealed."""
    if keep_days < MIN_RETENTION_DAYS:
        raise ValueError(f"audit rows are kept at least {MIN_RETENTION_DAYS} days (asked: {keep_days})")
    cutoff = local_date(now - timedelta(days=keep_days))
    anchor = session.scalar(select(AuditDaySeal).where(AuditDaySeal.day < cutoff)
                            .order_by(AuditDaySeal.day.desc()).limit(1))
    if anchor is None:
        return 0
    return session.execute(delete(AuditLog).where(AuditLog.id <= anchor.last_id)
                           .execution_options(synchronize_session=False)).rowcount
