"""Survey results: response rate and per-question figures by item, centre or month; CSV export."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapp_api.platform.clock import local, local_iso
from miniapp_api.surveys import messages
from miniapp_api.surveys.models import Survey, SurveyAnswer, SurveyInvitation

ASKED = ("sent", "reminded", "answered", "expired")


def response_rate(asked: int, answered: int) -> float | None:
    """回访率: invitations answered ÷ invitations that reached the citizen (sent, reminded, answered or expired);
    the one definition, for the results page, the campaign report and the reports (报表)."""
    return round(answered / asked, 4) if asked else None


def response_figures(session: Session, centre_ids: set[int], since: date, until: date,
                     item_id: int | None = None) -> dict:
    """Asked, answered and 回访率 of every survey over these centres, by the Beijing day the invitation went out."""
    sent_on = func.date(func.timezone("Asia/Shanghai", SurveyInvitation.sent_at))
    statement = select(func.count(), func.count().filter(SurveyInvitation.status == "answered")).where(
        SurveyInvitation.status.in_(ASKED), SurveyInvitation.centre_id.in_(centre_ids), sent_on >= since,
        sent_on <= until)
    if item_id is not None:
        statement = statement.where(SurveyInvitation.item_id == item_id)
    asked, answered = session.execute(statement).one()
    return {"asked": asked, "answered": answered, "response_rate": response_rate(asked, answered)}


def _group(invitation: SurveyInvitation, group_by: str):
    if group_by == "month":
        return local(invitation.sent_at or invitation.created_at).strftime("%Y-%m")
    return invitation.item_id if group_by == "item" else invitation.centre_id


def survey_results(session: Session, code: str, group_by: str, centre_ids: set[int], since: date | None,
                   until: date | None) -> list[dict]:
    surveys = {s.id: s for s in session.scalars(select(Survey).where(Survey.code == code))}
    statement = (select(SurveyInvitation, SurveyAnswer)
                 .outerjoin(SurveyAnswer, SurveyAnswer.invitation_id == SurveyInvitation.id)
                 .where(SurveyInvitation.survey_id.in_(surveys), SurveyInvitation.status.in_(ASKED),
                        SurveyInvitation.centre_id.in_(centre_ids)))
    if since:
        statement = statement.where(func.date(SurveyInvitation.sent_at) >= since)
    if until:
        statement = statement.where(func.date(SurveyInvitation.sent_at) <= until)
    groups: dict = defaultdict(lambda: {"asked": 0, "answered": 0, "scales": defaultdict(list),
                                        "yes": Counter(), "choices": defaultdict(Counter)})
    questions = {}
    for survey in surveys.values():
        for question in survey.questions:
            questions.setdefault(question["key"], question)
    for invitation, answer in session.execute(statement):
        group = groups[_group(invitation, group_by)]
        group["asked"] += 1
        if answer is None:
            continue
        group["answered"] += 1
        for key, value in answer.answers.items():
            kind = questions.get(key, {}).get("kind")
            if kind == "scale":
                group["scales"][key].append(value)
            elif kind == "yes_no":
                group["yes"][(key, value)] += 1
            elif kind in ("single", "multiple"):
                for choice in value if isinstance(value, list) else [value]:
                    group["choices"][key][choice] += 1
    rows = []
    for key in sorted(groups, key=str):
        g = groups[key]
        figures = {}
        for q_key, question in questions.items():
            if question["kind"] == "scale" and g["scales"][q_key]:
                values = g["scales"][q_key]
                figures[q_key] = {"average": round(sum(values) / len(values), 2), "answers": len(values)}
            elif question["kind"] == "yes_no":
                yes, no = g["yes"][(q_key, True)], g["yes"][(q_key, False)]
                if yes + no:
                    figures[q_key] = {"yes_rate": round(yes / (yes + no), 4), "answers": yes + no}
            elif question["kind"] in ("single", "multiple") and g["choices"][q_key]:
                figures[q_key] = {"counts": dict(g["choices"][q_key])}
        rows.append({"key": key, "asked": g["asked"], "answered": g["answered"],
                     "response_rate": response_rate(g["asked"], g["answered"]),
                     "questions": figures})
    return rows


# A cell starting with one of these is a formula to Excel and WPS (=HYPERLINK(...) runs when opened).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Citizens' text as text: a leading apostrophe keeps a would-be formula inert (OWASP's CSV advice)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def results_csv(session: Session, code: str, centre_ids: set[int]) -> str:
    """One line per answer, one column per question of any version (the citizen is not identified)."""
    surveys = {s.id: s for s in session.scalars(select(Survey).where(Survey.code == code))}
    keys: list[str] = []
    for survey in sorted(surveys.values(), key=lambda s: s.version):
        keys += [q["key"] for q in survey.questions if q["key"] not in keys]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["invitation_id", "survey_version", "kind", "centre_id", "item_id", "answered_at", *keys])
    rows = session.execute(select(SurveyInvitation, SurveyAnswer).join(
        SurveyAnswer, SurveyAnswer.invitation_id == SurveyInvitation.id).where(
        SurveyInvitation.survey_id.in_(surveys), SurveyInvitation.centre_id.in_(centre_ids))
        .order_by(SurveyInvitation.id))
    for invitation, answer in rows:
        values = ["；".join(v) if isinstance(v, list) else (messages.YES if v is True else messages.NO if v is False else v)
                  for v in (answer.answers.get(k, "") for k in keys)]
        writer.writerow([invitation.id, surveys[invitation.survey_id].version, invitation.kind, invitation.centre_id,
                         invitation.item_id, local_iso(invitation.answered_at), *map(spreadsheet_safe, values)])
    return "\ufeff" + out.getvalue()   # BOM: Excel opens UTF-8 Chinese correctly
