"""The monthly revisit campaign (每月回访) and the quarterly audit sample of the level above (3–5 %).

Monthly: for each item, N citizens served last month, the N spread over centres in proportion to
how many each served (at least one per centre that served anyone), drawn with a seeded RNG so a
re-run picks the same people — and the trigger keys make a re-run invite nobody twice.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time

from sqlalchemy import func, literal, select, union
from sqlalchemy.orm import Session

from miniapp_api.applications.models import Application, ApplicationStatus
from miniapp_api.appointments.models import Appointment, AppointmentItem, AppointmentStatus
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.surveys.models import SurveyAnswer, SurveyInvitation
from miniapp_api.surveys.results import response_rate
from miniapp_api.surveys.services import Subject, invite


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return datetime.combine(first, time(0), SHANGHAI), datetime.combine(last, time(0), SHANGHAI)


def month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def served_in(session: Session, first: date, last: date):
    """(item_id, centre_id, citizen_id, subject_type, subject_id) of everything completed in [first, last)."""
    start, end = _bounds(first, last)
    applications = select(Application.item_id, Application.centre_id,
                          func.coalesce(Application.citizen_id, Application.proxy_citizen_id),
                          literal("application"), Application.id).where(
        Application.status == ApplicationStatus.COMPLETED, Application.completed_at >= start,
        Application.completed_at < end,
        func.coalesce(Application.citizen_id, Application.proxy_citizen_id).isnot(None))
    first_item = select(func.min(AppointmentItem.item_id)).where(
        AppointmentItem.appointment_id == Appointment.id).scalar_subquery()
    appointments = select(first_item, Appointment.centre_id, Appointment.citizen_id,
                          literal("appointment"), Appointment.id).where(
        Appointment.status == AppointmentStatus.SERVED, Appointment.updated_at >= start,
        Appointment.updated_at < end)
    return session.execute(union(applications, appointments)).all()


def _allocate(counts: dict[int, int], total: int) -> dict[int, int]:
    """Largest-remainder split of `total` over strata in proportion to their size, at least one each."""
    size = sum(counts.values())
    if size <= total:
        return dict(counts)
    shares = {k: max(1, total * n / size) for k, n in counts.items()}
    allocation = {k: min(counts[k], int(v)) for k, v in shares.items()}
    leftover = total - sum(allocation.values())
    for k in sorted(shares, key=lambda k: shares[k] - int(shares[k]), reverse=True):
        if leftover <= 0:
            break
        if allocation[k] < counts[k]:
            allocation[k] += 1
            leftover -= 1
    return allocation


def monthly_campaign(session: Session, month: date, per_item: int, seed: int, now: datetime) -> dict[str, int]:
    rows = served_in(session, month, month_after(month))
    by_item: dict[int, dict[int, dict[int, tuple]]] = defaultdict(lambda: defaultdict(dict))
    for item_id, centre_id, citizen_id, subject_type, subject_id in rows:
        by_item[item_id][centre_id].setdefault(citizen_id, (subject_type, subject_id))   # one per person
    subjects = []
    for item_id, centres in sorted(by_item.items()):
        allocation = _allocate({c: len(people) for c, people in centres.items()}, per_item)
        for centre_id, take in sorted(allocation.items()):
            people = sorted(centres[centre_id].items())
            picked = random.Random(f"{seed}:{month}:{item_id}:{centre_id}").sample(people, take)
            for citizen_id, (subject_type, subject_id) in picked:
                subjects.append(Subject(trigger="monthly", subject_type=subject_type, subject_id=subject_id,
                                        citizen_id=citizen_id, centre_id=centre_id, item_id=item_id,
                                        key=f"monthly:{month:%Y-%m}:{item_id}:{citizen_id}"))
    return invite(session, subjects, now, kind="monthly", sample=False)


def audit_sample(session: Session, quarter_start: date, rate: float, seed: int, now: datetime) -> dict[str, int]:
    """The level above audits 3–5 % of the quarter's completed cases, per centre."""
    end = quarter_start
    for _ in range(3):
        end = month_after(end)
    by_centre: dict[int, list] = defaultdict(list)
    for row in served_in(session, quarter_start, end):
        if row[3] == "application":
            by_centre[row[1]].append(row)
    subjects = []
    for centre_id, cases in sorted(by_centre.items()):
        take = max(1, round(len(cases) * rate))
        for item_id, _, citizen_id, subject_type, subject_id in random.Random(
                f"{seed}:{quarter_start}:{centre_id}").sample(sorted(cases), min(take, len(cases))):
            subjects.append(Subject(trigger="audit", subject_type=subject_type, subject_id=subject_id,
                                    citizen_id=citizen_id, centre_id=centre_id, item_id=item_id,
                                    key=f"audit:{quarter_start:%Y-%m}:{subject_type}:{subject_id}"))
    return invite(session, subjects, now, kind="audit", sample=False)


def campaign_report(session: Session, kind: str, key_prefix: str) -> list[dict]:
    """Per item and centre: invited, answered, response rate, average lowest score."""
    statement = (select(SurveyInvitation.item_id, SurveyInvitation.centre_id,
                        func.count().filter(SurveyInvitation.status != "skipped"),
                        func.count().filter(SurveyInvitation.status == "answered"),
                        func.avg(SurveyAnswer.lowest_score))
                 .outerjoin(SurveyAnswer, SurveyAnswer.invitation_id == SurveyInvitation.id)
                 .where(SurveyInvitation.kind == kind, SurveyInvitation.trigger_key.like(f"{key_prefix}%"))
                 .group_by(SurveyInvitation.item_id, SurveyInvitation.centre_id)
                 .order_by(SurveyInvitation.item_id, SurveyInvitation.centre_id))
    return [{"item_id": item, "centre_id": centre, "invited": invited, "answered": answered,
             "response_rate": response_rate(invited, answered),
             "average_score": round(float(score), 2) if score is not None else None}
            for item, centre, invited, answered, score in session.execute(statement)]
