"""数据比对: every published rule against every person or business it is about, set-based and in chunks.

A run (nightly, or when a rule is published) is planned as tasks: one rule × one id range of its subjects.
Workers claim tasks with SKIP LOCKED and do each in one transaction — one INSERT … SELECT of the eligible ids
(ON CONFLICT DO NOTHING on the one-match-per-item-and-subject index), one UPDATE withdrawing open matches
whose subject is no longer eligible, and the messages of both, written as outbox rows in the same
transaction. A worker killed mid-task leaves nothing half done: its task stays open for the next claim, and
running a task twice adds nothing (no second match, no second message: the outbox's dedupe key).

A fact change (an import of businesses or of people's facts) runs every rule over just those subjects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.businesses.models import Business
from miniapp_api.businesses.services import citizen_businesses
from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications.services import Draft, insert_drafts
from miniapp_api.notifications.templates import template_fields
from miniapp_api.platform.clock import SHANGHAI, local_date, utcnow
from miniapp_api.policies import messages, rules
from miniapp_api.policies.models import MatchTask, PolicyItem, PolicyMatch, PolicyRule, Subject

CHUNK = 25_000
MATCH_KIND = "policy_match"
WITHDRAWN_KIND = "policy_withdrawn"

FACT_ROWS = {
    Subject.PERSON: """
        SELECT c.id AS subject_id, c.verified_id_hash AS id_hash, f.hukou_region, f.disability_level,
               CAST(EXTRACT(YEAR FROM age(CAST(:today AS date), f.birth_date)) AS int) AS age
        FROM citizen c LEFT JOIN person_fact f ON f.id_hash = c.verified_id_hash
        WHERE c.verified_id_hash IS NOT NULL AND c.deletion_requested_at IS NULL AND {scope}""",
    Subject.BUSINESS: """
        SELECT b.id AS subject_id, b.credit_code, b.industry_code, b.size_class, b.kind, b.region, b.employees,
               b.registered_on,
               CAST(EXTRACT(YEAR FROM age(CAST(:today AS date), b.registered_on)) * 12
                    + EXTRACT(MONTH FROM age(CAST(:today AS date), b.registered_on)) AS int) AS registered_months
        FROM business b WHERE {scope}""",
}
SUBJECT_ID = {Subject.PERSON: "c.id", Subject.BUSINESS: "b.id"}
MATCH_COLUMN = {Subject.PERSON: "citizen_id", Subject.BUSINESS: "business_id"}
BY_RANGE = "{id} BETWEEN :lo AND :hi"
BY_IDS = "{id} = ANY(CAST(:ids AS bigint[]))"

RUN_TASK = """
WITH eligible AS (
    SELECT s.subject_id FROM ({facts}) s WHERE {rule}),
added AS (
    INSERT INTO policy_match (policy_item_id, rule_id, {column}, status, matched_at)
    SELECT :item_id, :rule_id, subject_id, 'matched', :now FROM eligible
    ON CONFLICT (policy_item_id, {column}) WHERE {column} IS NOT NULL DO NOTHING
    RETURNING id, {column} AS subject_id),
withdrawn AS (
    UPDATE policy_match m SET status = 'withdrawn', ended_at = :now
    WHERE m.policy_item_id = :item_id AND m.status = 'matched' AND {match_scope}
      AND NOT EXISTS (SELECT 1 FROM eligible e WHERE e.subject_id = m.{column})
    RETURNING m.id, m.{column} AS subject_id)
SELECT 'added' AS change, id, subject_id FROM added
UNION ALL SELECT 'withdrawn', id, subject_id FROM withdrawn"""

# Who reads a match's messages: the person, or everyone acting for the business (its representative, agents).
RECIPIENTS = {
    Subject.PERSON: """
        SELECT m.id AS match_id, m.citizen_id, CAST(:you AS text) AS subject_text
        FROM policy_match m WHERE m.id = ANY(CAST(:ids AS bigint[]))""",
    Subject.BUSINESS: """
        SELECT m.id AS match_id, l.citizen_id, replace(CAST(:firm AS text), '{name}', b.name) AS subject_text
        FROM policy_match m JOIN business b ON b.id = m.business_id
        JOIN business_link l ON l.business_id = b.id AND l.revoked_at IS NULL
        JOIN citizen c ON c.id = l.citizen_id AND c.deletion_requested_at IS NULL
        WHERE m.id = ANY(CAST(:ids AS bigint[]))""",
}
MATCH_MESSAGES = """
INSERT INTO notification (citizen_id, kind, subject_type, subject_id, dedupe_key, title, body, page, fields, urgent,
                          status, deliver_after, attempts, deferrals)
SELECT r.citizen_id, CAST(:kind AS text), 'policy_match', r.match_id,
       CAST(:kind AS text) || ':' || r.match_id || ':' || r.citizen_id, CAST(:title AS text),
       replace(CAST(:body AS text), '{{subject}}', r.subject_text), CAST(:page AS text) || r.match_id,
       CAST(:fields AS jsonb),
       false, 'pending', :now, 0, 0
FROM ({recipients}) r
ON CONFLICT ON CONSTRAINT uq_notification_dedupe_key DO NOTHING"""


def match_page(match_id: int | str) -> str:
    return f"/pages/policies/match?id={match_id}"


def year_start(now: datetime) -> datetime:
    return datetime.combine(date(local_date(now).year, 1, 1), time(0), SHANGHAI)


def in_force(today: date):
    return (PolicyItem.status == "published", PolicyItem.valid_from <= today, PolicyItem.valid_until >= today)


def _params(item: PolicyItem, now: datetime) -> dict[str, Any]:
    return {"today": local_date(now), "year_start": year_start(now), "category": item.category}


# ---------------------------------------------------------------------------------------------- planning

def plan(session: Session, run_key: str, now: datetime, *, rule_ids: list[int] | None = None,
         chunk: int = CHUNK) -> int:
    """Tasks for a run over the rules in force (or these rules): one per rule and id range of its subjects.
    Planning the same run twice adds nothing. How many tasks were added."""
    query = select(PolicyItem.subject, PolicyItem.rule_id).where(*in_force(local_date(now)))
    if rule_ids is not None:
        query = query.where(PolicyItem.rule_id.in_(rule_ids))
    items = session.execute(query).all()
    bounds = {
        Subject.PERSON: session.execute(select(func.min(Citizen.id), func.max(Citizen.id)).where(
            Citizen.verified_id_hash.is_not(None))).one(),
        Subject.BUSINESS: session.execute(select(func.min(Business.id), func.max(Business.id))).one(),
    }
    rows = []
    for subject, rule_id in items:
        lo, hi = bounds[Subject(subject)]
        if lo is None:
            continue
        rows += [{"run_key": run_key, "rule_id": rule_id, "lo_id": start, "hi_id": min(start + chunk - 1, hi)}
                 for start in range(lo, hi + 1, chunk)]
    if not rows:
        return 0
    added = session.execute(insert(MatchTask).values(rows).on_conflict_do_nothing(
        constraint="uq_policy_match_task").returning(MatchTask.id)).all()
    return len(added)


def claim_task(session: Session) -> MatchTask | None:
    """The next open task nobody else is working on (SKIP LOCKED); held until this transaction ends."""
    return session.scalars(select(MatchTask).where(MatchTask.done_at.is_(None)).order_by(MatchTask.id)
                           .limit(1).with_for_update(skip_locked=True)).one_or_none()


def run_open_tasks(session: Session, now: datetime) -> int:
    """Every open task, inline in the caller's one transaction (the demo seed, tests); the workers instead
    commit each task on its own (policies/jobs.py). How many new matches."""
    added = 0
    while (task := claim_task(session)) is not None:
        added += len(run_task(session, task, now).added)
    return added


# ---------------------------------------------------------------------------------------------- running

@dataclass(frozen=True)
class Changes:
    added: list[int]
    withdrawn: list[tuple[int, int]]      # (match id, subject id)


def run_task(session: Session, task: MatchTask, now: datetime) -> Changes:
    """One claimed task, whole, in the caller's transaction; the task is marked done with its counts."""
    item = session.scalars(select(PolicyItem).where(PolicyItem.rule_id == task.rule_id,
                                                    *in_force(local_date(now)))).one_or_none()
    changes = Changes([], []) if item is None else _match(session, item, now, lo=task.lo_id, hi=task.hi_id)
    task.done_at, task.matched, task.withdrawn = now, len(changes.added), len(changes.withdrawn)
    return changes


def match_subjects(session: Session, subject: str, ids: list[int], now: datetime) -> Changes:
    """Every rule in force about these people or businesses (their facts changed), in one transaction."""
    added: list[int] = []
    withdrawn: list[tuple[int, int]] = []
    if not ids:
        return Changes(added, withdrawn)
    items = session.scalars(select(PolicyItem).where(PolicyItem.subject == subject, *in_force(local_date(now)))
                            .order_by(PolicyItem.id))
    for item in items:
        changes = _match(session, item, now, ids=ids)
        added += changes.added
        withdrawn += changes.withdrawn
    return Changes(added, withdrawn)


def _match(session: Session, item: PolicyItem, now: datetime, *, lo: int | None = None, hi: int | None = None,
           ids: list[int] | None = None) -> Changes:
    rule = session.get(PolicyRule, item.rule_id)
    subject = Subject(item.subject)
    where, rule_params = rules.compile_sql(rule.rule)
    column = MATCH_COLUMN[subject]
    scope = BY_IDS if ids is not None else BY_RANGE
    sql = RUN_TASK.format(facts=FACT_ROWS[subject].format(scope=scope.format(id=SUBJECT_ID[subject])), rule=where,
                          column=column, match_scope=scope.format(id=f"m.{column}"))
    params = {**rule_params, **_params(item, now), "item_id": item.id, "rule_id": rule.id, "now": now,
              "lo": lo, "hi": hi, "ids": ids}
    rows = session.execute(text(sql), params).all()
    added = [r.id for r in rows if r.change == "added"]
    withdrawn = [(r.id, r.subject_id) for r in rows if r.change == "withdrawn"]
    write_match_messages(session, item, added, now)
    _withdrawal_messages(session, item, rule, withdrawn, now)
    return Changes(added, withdrawn)


def write_match_messages(session: Session, item: PolicyItem, match_ids: list[int], now: datetime) -> None:
    """The 政策提醒 of new matches, set-based: in-app at once, the subscribe message through the outbox (the due
    sweep enqueues it; consent, quiet hours and the daily cap are the outbox's)."""
    if not match_ids:
        return
    context = {"policy": item.title, "benefit": item.benefit, "tip": messages.MATCH_TIP[item.mode]}
    body = messages.MATCH_BODY[item.mode].format(subject="{subject}", title=item.title, benefit=item.benefit)
    subject = Subject(item.subject)
    session.execute(text(MATCH_MESSAGES.format(recipients=RECIPIENTS[subject])), {
        "ids": match_ids, "kind": MATCH_KIND, "title": messages.MATCH_TITLE, "body": body, "page": match_page(""),
        "fields": json.dumps(template_fields(MATCH_KIND, context), ensure_ascii=False), "now": now,
        "you": messages.SUBJECT_YOU, "firm": messages.SUBJECT_FIRM})


def _withdrawal_messages(session: Session, item: PolicyItem, rule: PolicyRule, withdrawn: list[tuple[int, int]],
                         now: datetime) -> None:
    """Withdrawals are few (a fact changed): each says which condition is no longer met."""
    drafts = []
    for match_id, subject_id in withdrawn:
        facts = subject_facts(session, item, subject_id, now)
        failed = [o.text for o in rules.evaluate(rule.rule, facts or {}).outcomes if not o.passed]
        reason = "；".join(failed) or messages.INELIGIBLE
        session.execute(update(PolicyMatch).where(PolicyMatch.id == match_id).values(end_reason=reason[:200]))
        for citizen_id, subject_text in recipients(session, item.subject, match_id):
            drafts.append(Draft(
                citizen_id=citizen_id, kind=WITHDRAWN_KIND,
                context={"policy": item.title, "benefit": item.benefit, "tip": reason},
                title=messages.WITHDRAWN_TITLE, page=match_page(match_id), subject=("policy_match", match_id),
                body=messages.WITHDRAWN_BODY.format(subject=subject_text, title=item.title, reason=reason,
                                                    department=item.owner_department),
                dedupe_key=f"{WITHDRAWN_KIND}:{match_id}:{citizen_id}"))
    if drafts:
        insert_drafts(session, drafts, now)


def recipients(session: Session, subject: str, match_id: int) -> list[tuple[int, str]]:
    return [(r.citizen_id, r.subject_text) for r in session.execute(text(RECIPIENTS[Subject(subject)]), {
        "ids": [match_id], "you": messages.SUBJECT_YOU, "firm": messages.SUBJECT_FIRM}).all()]


# ---------------------------------------------------------------------------------------------- one subject

def subject_facts(session: Session, item: PolicyItem, subject_id: int, now: datetime) -> dict[str, Any] | None:
    """One subject's facts as `rules.evaluate` reads them (the same SQL the sweep reads), or None."""
    subject = Subject(item.subject)
    params = {**_params(item, now), "ids": [subject_id]}
    row = session.execute(text(FACT_ROWS[subject].format(scope=BY_IDS.format(id=SUBJECT_ID[subject]))),
                          params).mappings().one_or_none()
    if row is None:
        return None
    facts = dict(row)
    received = rules.FACTS[subject]["received_this_year"].sql
    holder = ("SELECT l.licence_type FROM licence l WHERE l.status = 'valid' AND l.expires_on >= CAST(:today AS date) "
              + ("AND l.holder_type = 'person' AND l.contact_id_hash = :key" if subject == Subject.PERSON
                 else "AND l.holder_type = 'business' AND l.credit_code = :key"))
    key = facts.get("id_hash") if subject == Subject.PERSON else facts.get("credit_code")
    facts["licences"] = list(session.scalars(text(holder), {**params, "key": key}))
    facts["received_this_year"] = bool(session.scalar(text(
        f"SELECT {received} FROM (SELECT CAST(:sid AS bigint) AS subject_id) s"), {**params, "sid": subject_id}))
    return facts


def subjects_of_citizen(session: Session, citizen: Citizen) -> list[tuple[str, int, str]]:
    """Who a citizen can see policies for: themselves (when verified) and the businesses they act for."""
    found: list[tuple[str, int, str]] = []
    if citizen.verified:
        found.append((Subject.PERSON, citizen.id, messages.SUBJECT_YOU))
    for business, _ in citizen_businesses(session, citizen.id, utcnow()):
        found.append((Subject.BUSINESS, business.id, messages.SUBJECT_FIRM.format(name=business.name)))
    return found
