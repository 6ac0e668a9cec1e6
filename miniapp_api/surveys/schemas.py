from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from miniapp_api.platform.schemas import QueryModel, StrictIn


class TokenPath(BaseModel):
    token: str = Field(min_length=20, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class QuestionOut(BaseModel):
    key: str
    kind: Literal["single", "multiple", "scale", "yes_no", "text"]
    text: str
    required: bool = False
    options: list[str] | None = None
    max_length: int | None = None


class SurveyOut(BaseModel):
    title: str
    version: int
    about: str = Field(description="what the citizen is asked about")
    expires_at: str
    questions: list[QuestionOut]


class AnswersIn(StrictIn):
    answers: dict[str, Any] = Field(description="question key → answer: option text, list of options, 1–5, "
                                                "true/false or text")


class AnswerOut(BaseModel):
    thanks: str
    follow_up: str | None = Field(description="when the answer opened or reopened a rectification")


class QuestionIn(StrictIn):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,29}$")
    kind: Literal["single", "multiple", "scale", "yes_no", "text"]
    text: str = Field(min_length=2, max_length=100)
    required: bool = False
    options: list[str] | None = Field(default=None, max_length=12)
    max_length: int | None = Field(default=None, ge=1, le=1000)
    role: Literal["fixed", "score"] | None = None


class PublishIn(StrictIn):
    code: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,39}$")
    title: str = Field(min_length=2, max_length=60)
    questions: list[QuestionIn] = Field(min_length=1, max_length=20)


class PublishedOut(BaseModel):
    code: str
    version: int


class CampaignIn(StrictIn):
    kind: Literal["monthly", "audit"]
    period: dt.date = Field(description="the month's (or quarter's) first day")
    per_item: int = Field(default=20, ge=1, le=1000, description="monthly: citizens per item")
    rate: float = Field(default=0.04, ge=0.03, le=0.05, description="audit: share of the quarter's cases")
    seed: int = Field(default=2026, ge=0, le=2**31)


class CampaignOut(BaseModel):
    outcome: dict[str, int]
    report: list[dict[str, Any]]


class ResultsQuery(QueryModel):
    code: str = Field(default="service", pattern=r"^[a-z][a-z0-9_-]{1,39}$")
    group_by: Literal["item", "centre", "month"] = "item"
    since: dt.date | None = None
    until: dt.date | None = None


class ResultsOut(BaseModel):
    code: str
    group_by: str
    rows: list[dict[str, Any]]
