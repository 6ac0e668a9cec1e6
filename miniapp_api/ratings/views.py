"""好差评 for citizens (rate, see my ratings, answer the revisit) and for staff (rectify, appeal, statistics)."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import select

from miniapp_api.centres.schemas import CentrePath
from miniapp_api.centres.services import get_centre
from miniapp_api.feedback.services import answer_hours_by_centre
from miniapp_api.platform.auth import STAFF_BEARER, citizen_required, staff_required
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.http_cache import public_cached
from miniapp_api.platform.idempotency import idempotent
from miniapp_api.platform.schemas import ERROR_RESPONSES, IdempotencyHeader
from miniapp_api.platform.unit_of_work import read_only, stale_read
from miniapp_api.ratings import rectifications, services, stats
from miniapp_api.ratings.models import Rectification
from miniapp_api.ratings.schemas import (
    DecisionIn,
    FixIn,
    InvalidationIn,
    LegacyRatingList,
    MyRatingsQuery,
    PublicRatingsOut,
    RateIn,
    RatingList,
    RatingOut,
    RatingPath,
    RectificationList,
    RectificationOut,
    RectificationPath,
    RectificationQuery,
    RevisitIn,
    StaffRevisitIn,
    StatsOut,
    StatsQuery,
    VerifyIn,
)
from miniapp_api.staff import permissions
from miniapp_api.staff.services import require_role, visible_centre_ids

bp = APIBlueprint("ratings", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="好差评", description="Rate a service; follow a 差评 to its fix")])
staff_bp = APIBlueprint("staff_ratings", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                        abp_tags=[Tag(name="好差评与整改（工作人员）", description="Rectification, appeals, statistics")])
BEARER = [{"bearer": []}]
HANDLERS = permissions.RECTIFICATIONS


def _rectification_ids(rating_ids: list[int]) -> dict[int, int]:
    return dict(db.session.execute(select(Rectification.rating_id, Rectification.id)
                                   .where(Rectification.rating_id.in_(rating_ids))).tuples().all())


def _rate(body: RateIn):
    rating = services.rate(db.session, g.citizen.id, body.to_input(), utcnow())
    return RatingOut.of(rating, _rectification_ids([rating.id]).get(rating.id)), 201


def _my_ratings(query: MyRatingsQuery | None = None) -> list[RatingOut]:
    rows = services.citizen_ratings(db.session, g.citizen.id, target=query.target if query else None,
                                    target_id=query.target_id if query else None)
    links = _rectification_ids([e.id for e in rows])
    return [RatingOut.of(e, links.get(e.id)) for e in rows]


@bp.post("/ratings", responses={201: RatingOut}, security=BEARER)
@citizen_required
@idempotent
def rate(body: RateIn, header: IdempotencyHeader):
    """Rate a served appointment, a completed application or a feedback answer, once; 不满意 or worse opens a
    rectification (or, for a feedback answer, sends it back to be handled again)."""
    return _rate(body)


@bp.get("/ratings", responses={200: RatingList}, security=BEARER)
@citizen_required
def list_ratings(query: MyRatingsQuery):
    """The caller's own ratings (`target`, `target_id`: whether one visit or case was rated)."""
    return {"ratings": _my_ratings(query)}


# The first name of the same endpoints: released mini-program versions post to /evaluations, and WeChat
# updates a mini-program on the phone only on a later launch, so the old URL keeps answering as before.
@bp.post("/evaluations", responses={201: RatingOut}, security=BEARER, deprecated=True)
@citizen_required
@idempotent
def rate_by_old_url(body: RateIn, header: IdempotencyHeader):
    """Deprecated: POST /api/v1/ratings."""
    return _rate(body)


@bp.get("/evaluations", responses={200: LegacyRatingList}, security=BEARER, deprecated=True)
@citizen_required
def list_ratings_by_old_url():
    """Deprecated: GET /api/v1/ratings (the list under its old key)."""
    return {"evaluations": _my_ratings()}


@bp.get("/rectifications/<int:rectification_id>", responses={200: RectificationOut}, security=BEARER)
@citizen_required
def show_rectification(path: RectificationPath):
    """What was done about the caller's 差评."""
    rectification = rectifications.citizen_rectification(db.session, g.citizen.id, path.rectification_id)
    return RectificationOut.of(rectification)


@bp.post("/rectifications/<int:rectification_id>/revisit", responses={200: RectificationOut}, security=BEARER)
@citizen_required
def revisit(path: RectificationPath, body: RevisitIn):
    """回访: satisfied with the fix closes it; not satisfied reopens it and escalates."""
    rectification = rectifications.citizen_rectification(db.session, g.citizen.id, path.rectification_id)
    rectifications.revisit(db.session, rectification, satisfied=body.satisfied, note=body.comment,
                           actor=f"citizen:{g.citizen.id}", now=utcnow())
    return RectificationOut.of(rectification)


# --- staff -----------------------------------------------------------------------------------------------


def staff_act(rectification_id: int, action) -> dict:
    require_role(g.staff, *HANDLERS)
    rectification = rectifications.staff_rectification(db.session, g.staff, rectification_id)
    action(rectification)
    return RectificationOut.of(rectification, staff_view=True)


@staff_bp.get("/rectifications", responses={200: RectificationList}, security=STAFF_BEARER)
@staff_required
def list_rectifications(query: RectificationQuery):
    """差评 to handle in the caller's centres, soonest fix deadline first."""
    rows = rectifications.staff_rectifications(db.session, g.staff, status=query.status, overdue=query.overdue,
                                               limit=query.limit, now=utcnow())
    return {"rectifications": [RectificationOut.of(r, staff_view=True) for r in rows]}


@staff_bp.get("/rectifications/<int:rectification_id>", responses={200: RectificationOut}, security=STAFF_BEARER)
@staff_required
def show_staff_rectification(path: RectificationPath):
    return staff_act(path.rectification_id, lambda r: None)


@staff_bp.post("/rectifications/<int:rectification_id>/verify", responses={200: RectificationOut},
               security=STAFF_BEARER)
@staff_required
def verify(path: RectificationPath, body: VerifyIn):
    """回访核实: record the contact with the citizen (due within 1 working day)."""
    return staff_act(path.rectification_id, lambda r: rectifications.verify(g.staff, r, body.note, utcnow()))


@staff_bp.post("/rectifications/<int:rectification_id>/fix", responses={200: RectificationOut},
               security=STAFF_BEARER)
@staff_required
def fix(path: RectificationPath, body: FixIn):
    """整改完成: category and the reply the citizen reads; the citizen is asked whether they are satisfied."""
    return staff_act(path.rectification_id,
                      lambda r: rectifications.fix(db.session, g.staff, r, body.category, body.reply, utcnow()))


@staff_bp.post("/rectifications/<int:rectification_id>/revisit", responses={200: RectificationOut},
               security=STAFF_BEARER)
@staff_required
def staff_revisit(path: RectificationPath, body: StaffRevisitIn):
    """Record a revisit made by phone or in person."""
    return staff_act(path.rectification_id, lambda r: rectifications.revisit(
        db.session, r, satisfied=body.satisfied, note=body.note, actor=f"staff:{g.staff.id}", now=utcnow()))


@staff_bp.post("/ratings/<int:rating_id>/invalidation", responses={200: RatingOut},
               security=STAFF_BEARER)
@staff_required
def request_invalidation(path: RatingPath, body: InvalidationIn):
    """Ask for a 差评 to be found 误评/恶意, with evidence; another manager decides."""
    rating = services.request_invalidation(db.session, g.staff, path.rating_id, body.reason, body.evidence,
                                               utcnow())
    return RatingOut.of(rating)


@staff_bp.post("/ratings/<int:rating_id>/invalidation/decision", responses={200: RatingOut},
               security=STAFF_BEARER)
@staff_required
def decide_invalidation(path: RatingPath, body: DecisionIn):
    """A second manager approves (the rating leaves the statistics; it is never deleted) or rejects."""
    rating = services.decide_invalidation(db.session, g.staff, path.rating_id, body.approve, body.note,
                                              utcnow())
    return RatingOut.of(rating)


@staff_bp.get("/ratings/stats", responses={200: StatsOut}, security=STAFF_BEARER)
@staff_required
@read_only
def rating_stats(query: StatsQuery):
    """好评率, 差评整改率 and average level per centre, window, item, staff member or month (pre-aggregated)."""
    centres = visible_centre_ids(db.session, g.staff)
    if query.centre_id is not None:
        centres &= {query.centre_id}
    rows = stats.rating_stats(db.session, centres, query.group_by, query.since, query.until)
    if query.group_by == "centre":
        hours = answer_hours_by_centre(db.session)
        for row in rows:
            row["average_answer_hours"] = hours.get(row["key"])
    return {"group_by": query.group_by, "rows": rows}


@bp.get("/centres/<int:centre_id>/ratings", responses={200: PublicRatingsOut})
@stale_read
@public_cached
def public_centre_ratings(path: CentrePath):
    """The centre's published 好评率, number of ratings and 差评整改率 over the last 90 days, and per item from
    20 ratings on (the same pre-aggregated statistics as the staff dashboard)."""
    centre = get_centre(db.session, path.centre_id)
    return PublicRatingsOut.of(stats.public_ratings(db.session, centre.id, today())).model_dump(mode="json")
