"""Surveys: the citizen answers by token; staff publish versions, run campaigns, read results and export CSV."""

from __future__ import annotations

from flask import Response, g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.platform.auth import STAFF_BEARER, citizen_required
from miniapp_api.platform.clock import local_iso, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.staff import permissions
from miniapp_api.staff.guards import staff_role
from miniapp_api.staff.services import audit, visible_centre_ids
from miniapp_api.surveys import campaigns, messages, results, services
from miniapp_api.surveys.schemas import (
    AnswerOut,
    AnswersIn,
    CampaignIn,
    CampaignOut,
    PublishedOut,
    PublishIn,
    ResultsOut,
    ResultsQuery,
    SurveyOut,
    TokenPath,
)

bp = APIBlueprint("surveys", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="回访问卷", description="Answer a follow-up survey")])
staff_bp = APIBlueprint("staff_surveys", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                        abp_tags=[Tag(name="回访管理（工作人员）", description="Survey versions, campaigns, results")])
BEARER = [{"bearer": []}]


@bp.get("/surveys/<token>", responses={200: SurveyOut}, security=BEARER)
@citizen_required
def show_survey(path: TokenPath):
    """The questionnaire behind an invitation link; only the invitee can open it, only while it is open."""
    invitation = services.open_invitation(db.session, g.citizen.id, path.token, utcnow())
    survey = invitation.survey
    about = services.subject_title(db.session, invitation)
    body = SurveyOut(title=survey.title, version=survey.version, about=about,
                     expires_at=local_iso(invitation.expires_at),
                     questions=survey.questions).model_dump(mode="json", exclude_none=True)
    return body


@bp.post("/surveys/<token>/answers", responses={201: AnswerOut}, security=BEARER)
@citizen_required
def answer_survey(path: TokenPath, body: AnswersIn):
    """Answers are checked per question (field errors name the question); the link works once."""
    answer = services.submit(db.session, g.citizen.id, path.token, body.answers, utcnow())
    unhappy = answer.fixed is False or (answer.lowest_score is not None and answer.lowest_score <= 2)
    return AnswerOut(thanks=messages.THANKS,
                     follow_up=messages.FOLLOW_UP if unhappy else None).model_dump(mode="json"), 201


@staff_bp.post("/surveys", responses={201: PublishedOut}, security=STAFF_BEARER)
@staff_role(*permissions.SURVEY_PUBLISH)
def publish(body: PublishIn):
    """Publish a questionnaire; editing a live one publishes a new version (answers keep theirs)."""
    survey = services.publish_survey(db.session, body.code, body.title,
                                     [q.model_dump(exclude_none=True) for q in body.questions])
    audit(db.session, g.staff, "publish_survey", "survey", f"{survey.code}@{survey.version}")
    return PublishedOut(code=survey.code, version=survey.version).model_dump(mode="json"), 201


@staff_bp.post("/surveys/campaigns", responses={200: CampaignOut}, security=STAFF_BEARER)
@staff_role(*permissions.SURVEY_CAMPAIGNS)
def run_campaign(body: CampaignIn):
    """Run the monthly revisit (N per item, stratified by centre) or the quarterly 3–5 % audit now."""
    period = body.period.replace(day=1)
    if body.kind == "monthly":
        outcome = campaigns.monthly_campaign(db.session, period, body.per_item, body.seed, utcnow())
        prefix = f"monthly:{period:%Y-%m}:"
    else:
        outcome = campaigns.audit_sample(db.session, period, body.rate, body.seed, utcnow())
        prefix = f"audit:{period:%Y-%m}:"
    db.session.flush()
    report = campaigns.campaign_report(db.session, body.kind, prefix)
    return CampaignOut(outcome=outcome, report=report).model_dump(mode="json")


@staff_bp.get("/surveys/results", responses={200: ResultsOut}, security=STAFF_BEARER)
@staff_role(*permissions.SURVEY_RESULTS)
def show_results(query: ResultsQuery):
    """Response rate and per-question figures of the caller's centres."""
    rows = results.survey_results(db.session, query.code, query.group_by, visible_centre_ids(db.session, g.staff),
                                  query.since, query.until)
    return {"code": query.code, "group_by": query.group_by, "rows": rows}


CSV_RESPONSE = {"description": "UTF-8 CSV with a BOM, one line per answer",
                "content": {"text/csv": {"schema": {"type": "string"}}}}


@staff_bp.get("/surveys/results.csv", responses={200: CSV_RESPONSE}, security=STAFF_BEARER)
@staff_role(*permissions.SURVEY_RESULTS)
def export_results(query: ResultsQuery):
    """Every answer as a CSV line (UTF-8 with BOM, opens in Excel; citizens' text is kept from acting as formulas)."""
    text = results.results_csv(db.session, query.code, visible_centre_ids(db.session, g.staff))
    audit(db.session, g.staff, "export_survey_results", "survey", query.code)
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=survey-{query.code}.csv"})
