"""整改: every 差评 (and every survey answer saying "not fixed") is verified, fixed in time and revisited.

open → fixed (category + reply to the citizen) → revisited (the citizen, or a revisit call, accepts it).
Unhappy at the revisit → open again, escalated. Overdue → one 督办 to the centre's supervisors.
`open_rectification` is the one entry point: surveys reuse it with their own source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from miniapp_api.centres import calendar
from miniapp_api.notifications.services import notify
from miniapp_api.platform import events
from miniapp_api.platform.clock import chinese_date, local_date
from miniapp_api.platform.db import one_or_not_found
from miniapp_api.platform.errors import NotFound, require_state
from miniapp_api.ratings import messages
from miniapp_api.ratings.models import Rating, RatingDaily, Rectification, RectificationEvent
from miniapp_api.ratings.models import RectificationStatus as R
from miniapp_api.staff.models import Role, Staff
from miniapp_api.staff.services import notice, staff_of_centre, visible_centre_ids

VERIFY_WORKING_DAYS = 1       # 回访核实
FIX_WORKING_DAYS = 15         # 限期整改 (Zhejiang: visit in 1 day, fix in 15; 51号 leaves it to provinces)
RECTIFICATION_NOT_FOUND = "rectification_not_found"
CATEGORIES = ("立行立改", "限期整改", "解释说明")
MANAGERS = (Role.CENTRE_MANAGER, Role.SUPERVISOR)
PAGE = "pages/ratings/rectification?id={id}"


def _event(rectification: Rectification, kind: str, now: datetime, actor: str, note: str | None = None) -> None:
    rectification.events.append(RectificationEvent(at=now, actor=actor, kind=kind, note=note))


def open_rectification(session: Session, *, source: tuple[str, int], citizen_id: int, centre_id: int,
                       window_id: int | None, item_id: int | None, staff_id: int | None, summary: str,
                       level_name: str, now: datetime, rating_id: int | None = None) -> Rectification | None:
    """Exactly one rectification per source (a repeat returns None), with its notices and the citizen's message."""
    today = local_date(now)
    verify_due = calendar.add_working_days(session, today, VERIFY_WORKING_DAYS)
    fix_due = calendar.add_working_days(session, today, FIX_WORKING_DAYS)
    rectification_id = session.execute(insert(Rectification).values(
        source_type=source[0], source_id=source[1], rating_id=rating_id, citizen_id=citizen_id,
        centre_id=centre_id, window_id=window_id, item_id=item_id, staff_id=staff_id, rated_on=today,
        summary=summary[:500], status=R.OPEN, verify_due_on=verify_due, fix_due_on=fix_due, revisits=0,
        escalation_level=0, updated_at=now).on_conflict_do_nothing(constraint="uq_rectification_source")
        .returning(Rectification.id)).scalar_one_or_none()
    if rectification_id is None:
        return None
    rectification = session.get(Rectification, rectification_id)
    _event(rectification, "opened", now, "system", summary[:1000])
    managers = [s.id for s in staff_of_centre(session, centre_id, *MANAGERS)]
    notice(session, managers + ([staff_id] if staff_id else []), kind="bad_rating",
           subject=("rectification", rectification.id),
           text=messages.STAFF_NEW_BAD.format(level=level_name, what=summary[:80], verify_due=chinese_date(verify_due),
                                              fix_due=chinese_date(fix_due)),
           dedupe=f"rectification:{rectification.id}:opened")
    notify(session, citizen_id=citizen_id, kind="rating_followup",
           context={"kind": messages.PUSH_KIND, "number": str(rectification.id), "status": messages.PUSH_STATUS_OPEN,
                    "tip": messages.PUSH_TIP_OPEN},
           title=messages.TITLE_RECEIVED,
           body=messages.BODY_BAD_RECEIVED.format(what=summary[:60], level=level_name,
                                                  verify_days=VERIFY_WORKING_DAYS, fix_days=FIX_WORKING_DAYS),
           page=PAGE.format(id=rectification.id), now=now, subject=("rectification", rectification.id))
    session.flush()
    return rectification


def _one(session: Session, scope, rectification_id: int) -> Rectification:
    return one_or_not_found(session, select(Rectification).options(selectinload(Rectification.events)).where(
        Rectification.id == rectification_id, scope),
        NotFound(messages.RECTIFICATION_NOT_FOUND, code=RECTIFICATION_NOT_FOUND), lock=Rectification)


def staff_rectification(session: Session, staff: Staff, rectification_id: int) -> Rectification:
    return _one(session, Rectification.centre_id.in_(visible_centre_ids(session, staff)), rectification_id)


def staff_rectifications(session: Session, staff: Staff, *, status: str | None, overdue: bool, limit: int,
                         now: datetime) -> list[Rectification]:
    """差评 to handle in the staff member's centres, soonest fix deadline first."""
    statement = select(Rectification).where(Rectification.centre_id.in_(visible_centre_ids(session, staff)))
    if status:
        statement = statement.where(Rectification.status == status)
    if overdue:
        statement = statement.where(Rectification.status == R.OPEN, Rectification.fix_due_on < local_date(now))
    return list(session.scalars(statement.options(selectinload(Rectification.events))
                                .order_by(Rectification.fix_due_on, Rectification.id).limit(limit)))


def citizen_rectification(session: Session, citizen_id: int, rectification_id: int) -> Rectification:
    return _one(session, Rectification.citizen_id == citizen_id, rectification_id)


def _require(rectification: Rectification, *allowed: str) -> None:
    require_state(rectification.status, allowed, message=messages.RECTIFICATION_STATE, names=messages.STATUS_NAMES)


def verify(staff: Staff, rectification: Rectification, note: str, now: datetime) -> None:
    """回访核实: the named person has contacted the citizen."""
    _require(rectification, R.OPEN)
    rectification.verified_at = rectification.verified_at or now
    rectification.updated_at = now
    _event(rectification, "verified", now, f"staff:{staff.id}", note)


def _move_rectified(session: Session, rectification: Rectification, delta: int) -> None:
    """The statistics row of the rating's day counts fixed 差评 (差评整改率)."""
    if rectification.rating_id is None:
        return
    rating = session.get(Rating, rectification.rating_id)
    session.execute(update(RatingDaily).where(
        RatingDaily.day == local_date(rating.created_at),
        RatingDaily.centre_id == rating.centre_id, RatingDaily.window_id == (rating.window_id or 0),
        RatingDaily.item_id == (rating.item_id or 0), RatingDaily.staff_id == (rating.staff_id or 0))
        .values(rectified=RatingDaily.rectified + delta))


def fix(session: Session, staff: Staff, rectification: Rectification, category: str, reply: str,
        now: datetime) -> None:
    """Fixed, with the category and the reply the citizen reads; the citizen is asked to revisit (re-rate)."""
    _require(rectification, R.OPEN)
    rectification.status, rectification.category, rectification.reply = R.FIXED, category, reply
    rectification.fixed_at = rectification.updated_at = now
    _event(rectification, "fixed", now, f"staff:{staff.id}", f"{category}：{reply}")
    _move_rectified(session, rectification, +1)
    events.publish(session, events.RECTIFICATION_FIXED, ("rectification", rectification.id), {
        "source_type": rectification.source_type, "citizen_id": rectification.citizen_id,
        "centre_id": rectification.centre_id, "item_id": rectification.item_id,
        "round": sum(1 for e in rectification.events if e.kind == "fixed")})
    notify(session, citizen_id=rectification.citizen_id, kind="rating_followup",
           context={"kind": messages.PUSH_KIND, "number": str(rectification.id), "status": messages.PUSH_STATUS_FIXED,
                    "tip": messages.PUSH_TIP_FIXED},
           title=messages.TITLE_FIXED,
           body=messages.BODY_FIXED.format(what=rectification.summary[:40], reply=reply[:120]),
           page=PAGE.format(id=rectification.id), now=now, subject=("rectification", rectification.id))
    session.flush()


def revisit(session: Session, rectification: Rectification, *, satisfied: bool, note: str | None, actor: str,
            now: datetime) -> None:
    """回访 answered (by the citizen in the app, or recorded by staff after a call). Unhappy → reopened and
    escalated, with a fresh time limit."""
    _require(rectification, R.FIXED)
    rectification.revisits += 1
    rectification.updated_at = now
    if satisfied:
        rectification.status = R.REVISITED
        _event(rectification, "revisited", now, actor, note)
        session.flush()
        return
    rectification.status = R.OPEN
    rectification.escalation_level += 1
    rectification.fix_due_on = calendar.add_working_days(session, local_date(now), FIX_WORKING_DAYS)
    _move_rectified(session, rectification, -1)
    _event(rectification, "reopened", now, actor, note)
    supervisors = [s.id for s in staff_of_centre(session, rectification.centre_id, *MANAGERS)]
    notice(session, supervisors, kind="escalate", subject=("rectification", rectification.id),
           text=messages.STAFF_REOPENED.format(what=rectification.summary[:80]),
           dedupe=f"rectification:{rectification.id}:reopened:{rectification.revisits}")
    session.flush()


def close_as_invalid(session: Session, rating_id: int, staff: Staff, now: datetime) -> int:
    """An approved 误评/恶意差评: its rectification ends; returns 1 if it had been counted as rectified."""
    rectification = session.scalars(select(Rectification).where(
        Rectification.rating_id == rating_id).with_for_update()).one_or_none()
    if rectification is None:
        return 0
    counted = 1 if rectification.status in (R.FIXED, R.REVISITED) else 0
    rectification.status, rectification.updated_at = R.INVALID, now
    _event(rectification, "invalid", now, f"staff:{staff.id}")
    return counted


@dataclass
class SweepReport:
    escalated: int = 0


def overdue_sweep(session: Session, now: datetime) -> SweepReport:
    """Open past the fix deadline ⇒ one 督办 per level (rule: overdue ⇒ one escalation)."""
    today, report = local_date(now), SweepReport()
    rows = list(session.scalars(select(Rectification).where(
        Rectification.status == R.OPEN, Rectification.fix_due_on < today).with_for_update(skip_locked=True)
        .limit(5000)))
    for rectification in rows:
        supervisors = [s.id for s in staff_of_centre(session, rectification.centre_id, *MANAGERS)]
        written = notice(session, supervisors, kind="escalate", subject=("rectification", rectification.id),
                         text=messages.STAFF_OVERDUE.format(fix_due=chinese_date(rectification.fix_due_on),
                                                            what=rectification.summary[:80]),
                         dedupe=f"rectification:{rectification.id}:overdue:{rectification.fix_due_on}")
        if written:
            _event(rectification, "escalated", now, "system", messages.OVERDUE_EVENT.format(due=chinese_date(rectification.fix_due_on)))
            report.escalated += 1
    session.flush()
    return report
