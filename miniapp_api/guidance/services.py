"""智能导服: answering a question, running a scenario interview, handing a question to a person, and the
versioned authoring of entries, scenarios, synonyms and item guides.

Uses the catalogue (items, centres) it points citizens to, and the feedback loop (a 咨询 feedback) for the
questions it cannot answer, so that the loop already built (routing, SLA, answer, rating) answers them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.centres.models import Centre, ServiceItem, Window, window_item
from miniapp_api.centres.services import centre_distance_km
from miniapp_api.citizens.models import Citizen
from miniapp_api.feedback import services as feedback
from miniapp_api.feedback.models import ContentCheck, Feedback, FeedbackKind
from miniapp_api.guidance import messages, scenarios
from miniapp_api.guidance.models import (
    DocKind,
    GuideEntry,
    GuideMiss,
    GuideScenario,
    Versioned,
    VersionStatus,
)
from miniapp_api.guidance.search import Hit, Outcome, search
from miniapp_api.platform.clock import local_date
from miniapp_api.platform.errors import DomainError, NotFound

SCENARIO_NOT_FOUND = "scenario_not_found"
SCENARIO_CHANGED = "scenario_changed"
ANSWERS_INVALID = "answers_invalid"
ANSWERS_INCOMPLETE = "answers_incomplete"
ENTRY_NOT_FOUND = "entry_not_found"
NO_DRAFT = "no_draft"
GUIDANCE_INVALID = "guidance_invalid"
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
LONG_NUMBER = re.compile(r"[0-9x]{6,}")
SUGGESTIONS = 3


# --- answering ------------------------------------------------------------------------------------------


@dataclass
class Answer:
    query: str
    outcome: Outcome
    best: dict[str, Any] | None
    items: list[ServiceItem]
    scenarios: list[GuideScenario]
    suggestions: list[str]
    handoff_centre: Centre | None


def _published(session: Session, model: type[Versioned], codes: list[str]) -> dict[str, Any]:
    if not codes:
        return {}
    rows = session.scalars(select(model).where(model.code.in_(codes), model.status == VersionStatus.PUBLISHED))
    return {row.code: row for row in rows}


def _items(session: Session, codes: list[str]) -> dict[str, ServiceItem]:
    return {i.code: i for i in session.scalars(select(ServiceItem).where(ServiceItem.code.in_(codes)))} if codes else {}


def _best(session: Session, hit: Hit) -> tuple[dict[str, Any], list[str], list[str]]:
    """The best document's card, and the items and scenarios it leads to."""
    if hit.kind == DocKind.ENTRY:
        entry = _published(session, GuideEntry, [hit.ref])[hit.ref]
        centres = list(session.scalars(select(Centre).where(Centre.id.in_(entry.centre_ids)).order_by(Centre.id))) \
            if entry.centre_ids else []
        return ({"kind": hit.kind, "code": entry.code, "title": entry.question, "answer": entry.answer,
                 "centres": [{"id": c.id, "name": c.name} for c in centres]}, entry.item_codes, entry.scenario_codes)
    if hit.kind == DocKind.SCENARIO:
        scenario = _published(session, GuideScenario, [hit.ref])[hit.ref]
        codes = [o["item"] for o in scenario.outcomes if o.get("item")]
        return ({"kind": hit.kind, "code": scenario.code, "title": scenario.title, "answer": scenario.summary},
                list(dict.fromkeys(codes)), [scenario.code])
    item = _items(session, [hit.ref])[hit.ref]
    return ({"kind": hit.kind, "code": item.code, "title": item.name,
             "answer": (item.guide or {}).get("what_you_get") or item.name}, [item.code], [])


def answer_question(session: Session, raw: str, *, audience: str | None, now: datetime) -> Answer:
    """Best answer first, then what it links to; below the confidence line, suggestions and a person."""
    outcome = search(session, raw, audience=audience)
    best, item_codes, scenario_codes = (None, [], [])
    if outcome.hits:
        best, item_codes, scenario_codes = _best(session, outcome.hits[0])
    for hit in outcome.hits[1:]:
        if hit.kind == DocKind.ITEM and hit.ref not in item_codes and outcome.confident:
            item_codes.append(hit.ref)
        if hit.kind == DocKind.SCENARIO and hit.ref not in scenario_codes and outcome.confident:
            scenario_codes.append(hit.ref)
    items = _items(session, item_codes)
    found_scenarios = _published(session, GuideScenario, scenario_codes)
    suggestions: list[str] = []
    owner_id = outcome.hits[0].owner_centre_id if outcome.hits else None
    if not outcome.confident:
        suggestions = list(dict.fromkeys(h.title for h in outcome.hits if h.kind != DocKind.ENTRY))[:SUGGESTIONS]
        record_miss(session, outcome, now)
    return Answer(query=outcome.query, outcome=outcome, best=best,
                  items=[items[c] for c in item_codes if c in items],
                  scenarios=[found_scenarios[c] for c in scenario_codes if c in found_scenarios],
                  suggestions=suggestions, handoff_centre=session.get(Centre, owner_id) if owner_id else None)


def masked(query: str) -> str:
    """A question as the report keeps it: runs of six or more digits (an ID or phone number someone typed into
    the search box) become ******, so the report never holds a citizen's numbers."""
    return LONG_NUMBER.sub("******", query)[:100]


def record_miss(session: Session, outcome: Outcome, now: datetime, *, feedback_id: int | None = None) -> None:
    """Count an unanswered (or handed-off) question for the staff's report, one row per question and day."""
    best = outcome.hits[0] if outcome.hits else None
    values = {"query": masked(outcome.query), "day": local_date(now), "asked": 1, "handed_off": int(bool(feedback_id)),
              "best_score": outcome.best_score, "best_title": best.title if best else None,
              "last_feedback_id": feedback_id, "last_asked_at": now}
    statement = insert(GuideMiss).values(**values)
    excluded = statement.excluded
    updates = {"last_asked_at": excluded.last_asked_at, "best_score": excluded.best_score,
               "best_title": excluded.best_title}
    if feedback_id:
        updates.update(handed_off=GuideMiss.handed_off + 1, last_feedback_id=excluded.last_feedback_id)
    else:
        updates["asked"] = GuideMiss.asked + 1
    session.execute(statement.on_conflict_do_update(constraint="uq_guide_miss_query_day", set_=updates))


def handoff_feedback(query: str, centre_id: int | None) -> feedback.FeedbackIn:
    """What 转人工 files (and WeChat checks first): a consultation quoting the question."""
    return feedback.FeedbackIn(kind=FeedbackKind.CONSULTATION, text=messages.HANDOFF_TEXT.format(query=query),
                               centre_id=centre_id)


def hand_off(session: Session, citizen: Citizen, query: str, centre_id: int | None, verdict: ContentCheck,
             now: datetime) -> Feedback:
    """转人工: the question becomes a 咨询 feedback with the owner centre of the best guess (or the centre the
    citizen chose), so it is routed, timed and answered like any other consultation."""
    outcome = search(session, query)
    if centre_id is None and outcome.hits:
        centre_id = outcome.hits[0].owner_centre_id
    filed = feedback.file_feedback(session, citizen, handoff_feedback(query, centre_id), verdict, now)
    record_miss(session, outcome, now, feedback_id=filed.id)
    return filed


def misses(session: Session, since: datetime, *, limit: int = 200) -> list[dict[str, Any]]:
    """The report: questions without a good answer since a day, most asked first."""
    rows = session.execute(
        select(GuideMiss.query, func.sum(GuideMiss.asked).label("asked"),
               func.sum(GuideMiss.handed_off).label("handed_off"), func.max(GuideMiss.last_asked_at).label("last"),
               func.max(GuideMiss.best_score).label("best_score"), func.max(GuideMiss.best_title).label("best_title"))
        .where(GuideMiss.day >= local_date(since)).group_by(GuideMiss.query)
        .order_by(func.sum(GuideMiss.asked + GuideMiss.handed_off).desc(), GuideMiss.query).limit(limit))
    return [dict(row._mapping) for row in rows]


# --- scenario interviews ----------------------------------------------------------------------------------


def published_scenario(session: Session, code: str, version: int | None = None) -> GuideScenario:
    scenario = _published(session, GuideScenario, [code]).get(code)
    if scenario is None:
        raise NotFound(messages.SCENARIO_NOT_FOUND, code=SCENARIO_NOT_FOUND)
    if version is not None and version != scenario.version:
        raise DomainError(messages.SCENARIO_CHANGED, code=SCENARIO_CHANGED, status=409)
    return scenario


def list_scenarios(session: Session, audience: str | None) -> list[GuideScenario]:
    statement = select(GuideScenario).where(GuideScenario.status == VersionStatus.PUBLISHED)
    if audience:
        statement = statement.where(GuideScenario.audience == audience)
    return list(session.scalars(statement.order_by(GuideScenario.code)))


def _checked_answers(scenario: GuideScenario, answers: dict[str, Any]) -> None:
    try:
        scenarios.check_answers(scenario.questions, answers)
    except scenarios.AnswerError as exc:
        raise DomainError(messages.ANSWER_VALUE, code=ANSWERS_INVALID, status=422,
                          fields={f"answers.{k}": v for k, v in exc.fields.items()}) from exc


def next_step(scenario: GuideScenario, answers: dict[str, Any]) -> tuple[dict[str, Any] | None, tuple[int, int]]:
    """The next question (None when done) and the progress; answers checked first."""
    _checked_answers(scenario, answers)
    return scenarios.next_question(scenario.questions, answers), scenarios.progress(scenario.questions, answers)


@dataclass
class CentreFit:
    centre: Centre
    distance_km: float | None


@dataclass
class ScenarioResult:
    scenario: GuideScenario
    items: list[ServiceItem]
    checklist: scenarios.Checklist
    centres: list[CentreFit] = field(default_factory=list)


def centres_for_all(session: Session, item_ids: list[int], lat: float | None, lng: float | None,
                    limit: int = 3) -> list[CentreFit]:
    """Centres with one window that takes every item (one visit books them together), nearest first."""
    if not item_ids:
        return []
    serving = (select(Window.centre_id).join(window_item, window_item.c.window_id == Window.id)
               .where(window_item.c.item_id.in_(item_ids)).group_by(Window.id, Window.centre_id)
               .having(func.count(func.distinct(window_item.c.item_id)) == len(item_ids)))
    fits = []
    for centre in session.scalars(select(Centre).where(Centre.id.in_(serving))):
        distance = centre_distance_km(centre, lat, lng)
        fits.append(CentreFit(centre, None if distance is None else round(distance, 2)))
    fits.sort(key=lambda f: (f.distance_km is None, f.distance_km or 0.0, f.centre.id))
    return fits[:limit]


def scenario_result(session: Session, scenario: GuideScenario, answers: dict[str, Any], *,
                    lat: float | None, lng: float | None) -> ScenarioResult:
    """The personalised checklist: items in order, materials merged, centres that handle them all."""
    question, _ = next_step(scenario, answers)
    if question is not None:
        message = messages.ANSWERS_INCOMPLETE.format(question=question["text"])
        raise DomainError(message, code=ANSWERS_INCOMPLETE, status=422, fields={f"answers.{question['key']}": message})
    codes = [o["item"] for o in scenario.outcomes if o.get("item")]
    items = _items(session, codes)
    checklist = scenarios.checklist(scenario.outcomes, answers,
                                    {code: (item.name, item.materials) for code, item in items.items()})
    chosen = [items[c] for c in checklist.item_codes]
    return ScenarioResult(scenario, chosen, checklist, centres_for_all(session, [i.id for i in chosen], lat, lng))
