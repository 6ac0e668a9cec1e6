"""智能导服 API: ask a question, run a scenario interview (start, answer, result), hand a question to a person."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.feedback.views import content_checked_first
from miniapp_api.guidance import messages, services
from miniapp_api.guidance.schemas import (
    ScenarioAnswersIn,
    HandoffIn,
    HandoffOut,
    PolicyHit,
    ResultIn,
    ResultOut,
    ScenarioList,
    ScenarioListQuery,
    ScenarioPath,
    ScenarioSummary,
    SearchOut,
    SearchQuery,
    GuideStepOut,
)
from miniapp_api.platform.auth import citizen_required
from miniapp_api.platform.clock import chinese_date, today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.http_cache import public_cached
from miniapp_api.platform.idempotency import idempotent
from miniapp_api.platform.rate_limits import GUIDE_SEARCH_PER_IP, HANDOFF_PER_CITIZEN, limiter, per_citizen
from miniapp_api.platform.schemas import ERROR_RESPONSES, IdempotencyHeader
from miniapp_api.platform.unit_of_work import stale_read
from miniapp_api.policies.messages import MODE_NAMES
from miniapp_api.policies.search import found_items

bp = APIBlueprint("guidance", __name__, url_prefix="/api/v1/guide", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="智能导服", description="Ask in your own words; scenario interviews; ask a person")])
BEARER = [{"bearer": []}]
POLICY_HITS = 3


@bp.get("/search", responses={200: SearchOut})
@limiter.limit(GUIDE_SEARCH_PER_IP)
def search(query: SearchQuery):
    """The best answer first, then the items and scenarios it leads to; below the confidence line, 您是不是要找
    suggestions and an offer to ask a person (the question is also written down for staff). Policies (政策快享)
    the question is about come with it."""
    answer = services.answer_question(db.session, query.q, audience=query.audience, now=utcnow())
    out = SearchOut.of(answer)
    out.policies = [PolicyHit(id=i.id, title=i.title, benefit=i.benefit, mode_name=MODE_NAMES[i.mode],
                              page=f"/pages/policies/detail?id={i.id}")
                    for i in found_items(db.session, query.q, today(), limit=POLICY_HITS)]
    return out.model_dump(mode="json")


@bp.get("/scenarios", responses={200: ScenarioList})
@stale_read
@public_cached
def list_scenarios(query: ScenarioListQuery):
    """Published scenarios (情景引导)."""
    found = services.list_scenarios(db.session, query.audience)
    return ScenarioList(scenarios=[ScenarioSummary.of(s) for s in found]).model_dump(mode="json")


@bp.get("/scenarios/<code>", responses={200: GuideStepOut})
@stale_read
def start_scenario(path: ScenarioPath):
    """Start: the scenario and its first question."""
    scenario = services.published_scenario(db.session, path.code)
    question, progress = services.next_step(scenario, {})
    return GuideStepOut.of(scenario, question, progress).model_dump(mode="json")


@bp.post("/scenarios/<code>/answers", responses={200: GuideStepOut})
@stale_read
def answer_scenario(path: ScenarioPath, body: ScenarioAnswersIn):
    """Answer: the answers so far (the client keeps them) give the next question, or done."""
    scenario = services.published_scenario(db.session, path.code, body.version)
    question, progress = services.next_step(scenario, body.answers)
    return GuideStepOut.of(scenario, question, progress).model_dump(mode="json")


@bp.post("/scenarios/<code>/result", responses={200: ResultOut})
@stale_read
def scenario_result(path: ScenarioPath, body: ResultIn):
    """Result: the items in order, one merged materials list, the nearest centres that handle them all."""
    scenario = services.published_scenario(db.session, path.code, body.version)
    result = services.scenario_result(db.session, scenario, body.answers, lat=body.lat, lng=body.lng)
    return ResultOut.of(result).model_dump(mode="json")


@bp.post("/handoff", responses={201: HandoffOut}, security=BEARER)
@citizen_required
@limiter.limit(HANDOFF_PER_CITIZEN, key_func=per_citizen)
@content_checked_first
@idempotent
def hand_off(body: HandoffIn, header: IdempotencyHeader):
    """转人工: the question becomes a 咨询 feedback to the owner centre, answered within the feedback SLA
    (checked by WeChat first, as all feedback is)."""
    filed = services.hand_off(db.session, g.citizen, body.q, body.centre_id, g.content_verdict, utcnow())
    return HandoffOut(feedback_id=filed.id,
                      message=messages.HANDOFF_DONE.format(due=chinese_date(filed.due_on))).model_dump(), 201
