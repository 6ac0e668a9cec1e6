from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from miniapp_api.platform.clock import chinese_date, local_iso
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn
from miniapp_api.ratings import messages
from miniapp_api.ratings.messages import LEVEL_NAMES
from miniapp_api.ratings.models import Rating, Rectification
from miniapp_api.ratings.services import RatingIn
from miniapp_api.ratings.stats import PUBLIC_DAYS, PUBLIC_MIN_RATINGS, PublicRatings

Tag = Annotated[str, Field(min_length=1, max_length=20)]


class RateIn(StrictIn):
    target: Literal["appointment", "application", "bundle", "feedback", "assistance"]
    id: Id
    level: int = Field(ge=1, le=5, description="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意")
    tags: list[Tag] = Field(default_factory=list, max_length=8)
    comment: str | None = Field(default=None, max_length=500)

    def to_input(self) -> RatingIn:
        return RatingIn(target=self.target, target_id=self.id, level=self.level, tags=self.tags,
                        comment=self.comment)


class RatingOut(BaseModel):
    id: int
    target: str
    target_id: int
    level: int
    level_name: str
    is_bad: bool
    tags: list[str]
    comment: str | None
    validity: str
    created_at: str
    rectification_id: int | None = None

    @classmethod
    def of(cls, rating: Rating, rectification_id: int | None = None) -> dict:
        return cls(id=rating.id, target=rating.target_type, target_id=rating.target_id,
                   level=rating.level, level_name=LEVEL_NAMES[rating.level], is_bad=rating.is_bad,
                   tags=rating.tags, comment=rating.comment, validity=rating.validity,
                   created_at=local_iso(rating.created_at), rectification_id=rectification_id
                   ).model_dump(mode="json")


class RatingList(BaseModel):
    ratings: list[RatingOut]


class LegacyRatingList(BaseModel):
    evaluations: list[RatingOut]


class RectificationEventOut(BaseModel):
    at: str
    kind: str
    note: str | None


class RectificationOut(BaseModel):
    id: int
    status: str
    status_name: str
    summary: str
    verify_due_on: dt.date
    fix_due_on: dt.date
    category: str | None
    reply: str | None
    revisits: int
    escalation_level: int
    can_revisit: bool
    timeline: list[RectificationEventOut]

    @classmethod
    def of(cls, rectification: Rectification, *, staff_view: bool = False) -> dict:
        events = [e for e in rectification.events if staff_view or e.kind in ("opened", "fixed", "revisited",
                                                                                "reopened")]
        return cls(id=rectification.id, status=rectification.status,
                   status_name=messages.STATUS_NAMES[rectification.status], summary=rectification.summary,
                   verify_due_on=rectification.verify_due_on, fix_due_on=rectification.fix_due_on,
                   category=rectification.category, reply=rectification.reply, revisits=rectification.revisits,
                   escalation_level=rectification.escalation_level, can_revisit=rectification.status == "fixed",
                   timeline=[RectificationEventOut(at=local_iso(e.at), kind=e.kind,
                                                   note=e.note if staff_view or e.kind != "opened" else None)
                             for e in events]).model_dump(mode="json")


class RectificationList(BaseModel):
    rectifications: list[RectificationOut]


class RectificationPath(BaseModel):
    rectification_id: Id


class RatingPath(BaseModel):
    rating_id: Id


class RevisitIn(StrictIn):
    satisfied: bool = Field(description="是否满意整改结果")
    comment: str | None = Field(default=None, max_length=500)


class VerifyIn(StrictIn):
    note: str = Field(min_length=2, max_length=500, description="how the citizen was contacted, what was found")


class FixIn(StrictIn):
    category: Literal["立行立改", "限期整改", "解释说明"]
    reply: str = Field(min_length=2, max_length=1000, description="what was done, as the citizen will read it")


class StaffRevisitIn(StrictIn):
    satisfied: bool
    note: str = Field(min_length=2, max_length=500, description="回访记录")


class MyRatingsQuery(QueryModel):
    """One thing's rating among the caller's own (a page asks whether its visit or case was rated)."""
    target: Literal["appointment", "application", "bundle", "feedback", "assistance"] | None = None
    target_id: Id | None = None


class RectificationQuery(QueryModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "fixed", "revisited", "invalid"] | None = None
    overdue: bool = False
    limit: int = Field(default=50, ge=1, le=200)


class InvalidationIn(StrictIn):
    reason: str = Field(min_length=5, max_length=500)
    evidence: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        min_length=1, max_length=10, description="recordings, video, documents: ids or descriptions")


class DecisionIn(StrictIn):
    approve: bool
    note: str | None = Field(default=None, max_length=500)


class StatsQuery(QueryModel):
    model_config = ConfigDict(extra="forbid")
    group_by: Literal["centre", "window", "item", "staff", "month"] = "centre"
    centre_id: Id | None = None
    since: dt.date | None = None
    until: dt.date | None = None


class StatsRow(BaseModel):
    key: int | str
    name: str
    total: int
    good: int
    bad: int
    rectified: int
    good_rate: float | None = Field(description="好评率: top three levels ÷ valid ratings")
    rectification_rate: float | None = Field(description="差评整改率: fixed 差评 ÷ 差评")
    average_level: float | None
    average_answer_hours: float | None = Field(default=None, description="feedback, by centre only")


class StatsOut(BaseModel):
    group_by: str
    rows: list[StatsRow]


def _percent(rate: float | None) -> str | None:
    return None if rate is None else messages.PUBLIC_RATE.format(percent=f"{rate * 100:.1f}")


class PublicItemRating(BaseModel):
    code: str
    name: str
    total: int
    good_rate: float
    good_rate_text: str


class PublicRatingsOut(BaseModel):
    """A centre's 好差评 as published: counts always; rates only from PUBLIC_MIN_RATINGS ratings on."""

    centre_id: int
    period: str
    total: int
    shown: bool = Field(description="false: too few ratings to publish a rate")
    good_rate: float | None
    good_rate_text: str
    rectification_rate: float | None
    rectification_text: str
    items: list[PublicItemRating] = Field(description="items with at least the threshold of ratings")
    threshold: int
    definition: str

    @classmethod
    def of(cls, public: PublicRatings) -> PublicRatingsOut:
        centre = public.centre
        shown = centre["total"] >= PUBLIC_MIN_RATINGS
        too_few = messages.PUBLIC_TOO_FEW.format(count=PUBLIC_MIN_RATINGS)
        return cls(centre_id=public.centre_id,
                   period=messages.PUBLIC_PERIOD.format(days=PUBLIC_DAYS, since=chinese_date(public.since),
                                                         until=chinese_date(public.until)),
                   total=centre["total"], shown=shown, good_rate=centre["good_rate"] if shown else None,
                   good_rate_text=_percent(centre["good_rate"]) if shown else too_few,
                   rectification_rate=centre["rectification_rate"] if shown else None,
                   rectification_text=(_percent(centre["rectification_rate"]) or messages.PUBLIC_NO_BAD) if shown
                   else too_few,
                   items=[PublicItemRating(code=row["code"], name=row["name"], total=row["total"],
                                           good_rate=row["good_rate"], good_rate_text=_percent(row["good_rate"]))
                          for row in public.items],
                   threshold=PUBLIC_MIN_RATINGS, definition=messages.PUBLIC_DEFINITION)
