"""The edge of guidance: the API's queries and answers, and the authoring forms (console and import rows)."""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from miniapp_api.centres.messages import AUDIENCE_NAMES
from miniapp_api.centres.schemas import CentreSummary, ItemSummary, Material
from miniapp_api.feedback.services import FeedbackIn
from miniapp_api.guidance import messages
from miniapp_api.guidance.models import GuideScenario
from miniapp_api.guidance.services import CODE, Answer, ScenarioResult, handoff_feedback
from miniapp_api.guidance.text import normalize
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn

Audience = Literal["citizen", "business"]
Answers = dict[str, Any]     # checked against the scenario's questions by the service (yes/no must be true/false)


def _has_words(value: str) -> str:
    """Emoji, punctuation or nothing: say so in words (the envelope), never search for it."""
    if not value.strip():
        raise ValueError(messages.QUERY_EMPTY)
    words = normalize(value).replace(" ", "")
    if not words:
        raise ValueError(messages.QUERY_NO_WORDS)
    if len(words) < 2:
        raise ValueError(messages.QUERY_TOO_SHORT)
    return value


class SearchQuery(QueryModel):
    q: str = Field(max_length=100, description="the question as the citizen asks it, or pinyin (yyzz)")
    audience: Audience | None = None

    _words = field_validator("q")(_has_words)


class ScenarioPath(BaseModel):
    code: str = Field(max_length=40, pattern=CODE.pattern)


class ScenarioListQuery(QueryModel):
    audience: Audience | None = None


class ScenarioAnswersIn(StrictIn):
    answers: Answers = Field(default_factory=dict, max_length=30)
    version: int | None = Field(default=None, ge=1, le=10_000, description="the version the interview began on")


class ResultIn(ScenarioAnswersIn):
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)


class HandoffIn(StrictIn):
    q: str = Field(min_length=2, max_length=100, description="the question that found no good answer")
    centre_id: Id | None = Field(default=None, description="the centre to ask (else the owner)")

    _words = field_validator("q")(_has_words)

    def to_input(self) -> FeedbackIn:
        """What WeChat checks before the filing (feedback.views.content_checked_first reads this)."""
        return handoff_feedback(self.q, self.centre_id)


# --- answers ---------------------------------------------------------------------------------------------


class Link(BaseModel):
    kind: str
    kind_name: str
    code: str
    title: str


class ScenarioSummary(BaseModel):
    code: str
    title: str
    summary: str
    audience: str
    audience_name: str
    version: int

    @classmethod
    def of(cls, scenario: GuideScenario) -> ScenarioSummary:
        return cls(code=scenario.code, title=scenario.title, summary=scenario.summary, audience=scenario.audience,
                   audience_name=AUDIENCE_NAMES.get(scenario.audience, ""), version=scenario.version)


class CentreLink(BaseModel):
    id: int
    name: str


class Best(BaseModel):
    kind: str
    kind_name: str
    code: str
    title: str
    answer: str
    centres: list[CentreLink] = Field(default_factory=list, description="centres the entry points to")


class Handoff(BaseModel):
    offered: bool
    centre_id: int | None
    centre_name: str | None


class PolicyHit(BaseModel):
    id: int
    title: str
    benefit: str
    mode_name: str
    page: str


class SearchOut(BaseModel):
    query: str
    confident: bool
    message: str
    best: Best | None
    items: list[ItemSummary]
    scenarios: list[ScenarioSummary]
    results: list[Link]
    suggestions: list[str] = Field(description="您是不是要找: titles close to the question")
    suggestion_title: str | None
    handoff: Handoff
    policies: list[PolicyHit] = Field(default_factory=list, description="政策快享 items the question is about")

    @classmethod
    def of(cls, answer: Answer) -> SearchOut:
        outcome = answer.outcome
        best = Best(**answer.best, kind_name=messages.KIND_NAMES[answer.best["kind"]]) if answer.best else None
        return cls(query=answer.query, confident=outcome.confident,
                   message=messages.SURE if outcome.confident else messages.NOT_SURE, best=best,
                   items=[ItemSummary.of(i) for i in answer.items],
                   scenarios=[ScenarioSummary.of(s) for s in answer.scenarios],
                   results=[Link(kind=h.kind, kind_name=messages.KIND_NAMES[h.kind], code=h.ref, title=h.title)
                            for h in outcome.hits],
                   suggestions=answer.suggestions,
                   suggestion_title=messages.DID_YOU_MEAN if answer.suggestions else None,
                   handoff=Handoff(offered=not outcome.confident,
                                   centre_id=answer.handoff_centre.id if answer.handoff_centre else None,
                                   centre_name=answer.handoff_centre.name if answer.handoff_centre else None))


class ScenarioList(BaseModel):
    scenarios: list[ScenarioSummary]


class Option(BaseModel):
    value: bool | str
    label: str


class ScenarioQuestionOut(BaseModel):
    key: str
    text: str
    kind: str
    options: list[Option]

    @classmethod
    def of(cls, question: dict[str, Any]) -> ScenarioQuestionOut:
        options = ([Option(value=True, label=messages.YES), Option(value=False, label=messages.NO)]
                   if question["kind"] == "yesno" else [Option(**o) for o in question["options"]])
        return cls(key=question["key"], text=question["text"], kind=question["kind"], options=options)


class GuideStepOut(BaseModel):
    scenario: ScenarioSummary
    done: bool
    question: ScenarioQuestionOut | None
    progress: str

    @classmethod
    def of(cls, scenario: GuideScenario, question: dict[str, Any] | None, progress: tuple[int, int]) -> GuideStepOut:
        answered, total = progress
        return cls(scenario=ScenarioSummary.of(scenario), done=question is None,
                   question=ScenarioQuestionOut.of(question) if question else None,
                   progress=messages.PROGRESS.format(answered=min(answered + 1, total), total=total))


class ChecklistMaterial(Material):
    form_name: str
    for_items: list[str]


class Booking(BaseModel):
    centre_id: int
    item_codes: list[str]


class ResultCentre(CentreSummary):
    booking: Booking


class ResultOut(BaseModel):
    scenario: ScenarioSummary
    message: str
    items: list[ItemSummary]
    notes: list[str]
    materials: list[ChecklistMaterial]
    centres: list[ResultCentre]

    @classmethod
    def of(cls, result: ScenarioResult) -> ResultOut:
        codes = [i.code for i in result.items]
        return cls(scenario=ScenarioSummary.of(result.scenario),
                   message=(messages.CHECKLIST_DONE.format(count=len(result.items)) if result.items
                            else messages.CHECKLIST_NONE),
                   items=[ItemSummary.of(i) for i in result.items], notes=result.checklist.notes,
                   materials=[ChecklistMaterial(name=m.name, key=m.key, form=m.form, count=m.count,
                                                form_name=messages.FORM_NAMES.get(m.form, m.form),
                                                for_items=m.for_items) for m in result.checklist.materials],
                   centres=[ResultCentre(**CentreSummary.of(f.centre, distance_km=f.distance_km).model_dump(),
                                         booking=Booking(centre_id=f.centre.id, item_codes=codes))
                            for f in result.centres])


class HandoffOut(BaseModel):
    feedback_id: int
    message: str


# --- authoring (console forms and import rows) -------------------------------------------------------------


def _lines(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.replace("|", "\n").splitlines()
    return [unicodedata.normalize("NFC", str(v)).strip() for v in (value or []) if str(v).strip()]


def _code(value: str) -> str:
    if not CODE.match(value or ""):
        raise ValueError(messages.CODE_SHAPE)
    return value


class _Owned(StrictIn):
    code: str
    owner_centre_id: Id
    department: str = Field(min_length=2, max_length=40)

    _code_shape = field_validator("code")(_code)


class EntryForm(_Owned):
    question: str = Field(min_length=4, max_length=200)
    variants: list[str] = Field(default_factory=list, max_length=20)
    answer: str = Field(min_length=2, max_length=2000)
    item_codes: list[str] = Field(default_factory=list, max_length=10)
    scenario_codes: list[str] = Field(default_factory=list, max_length=10)
    centre_ids: list[int] = Field(default_factory=list, max_length=20)

    _split = field_validator("variants", "item_codes", "scenario_codes", mode="before")(_lines)

    @field_validator("variants")
    @classmethod
    def _variant_length(cls, value: list[str]) -> list[str]:
        if any(len(v) > 200 for v in value):
            raise ValueError(messages.VARIANT_TOO_LONG)
        return value


class ScenarioForm(_Owned):
    title: str = Field(min_length=2, max_length=80)
    summary: str = Field(min_length=2, max_length=300)
    audience: Audience
    questions: list[dict[str, Any]] = Field(max_length=12)
    outcomes: list[dict[str, Any]] = Field(max_length=30)

    @field_validator("questions", "outcomes")
    @classmethod
    def _one_answer_is_a_value(cls, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`{area: [small]}` is stored as `{area: small}` (the same condition), so a scenario saved from the form
        and one written in YAML are stored alike."""
        for row in rows:
            when = row.get("when")
            if isinstance(when, dict):
                row["when"] = {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in when.items()}
        return rows


class SynonymForm(StrictIn):
    words: list[str] = Field(min_length=2, max_length=12)
    owner_centre_id: Id
    department: str = Field(min_length=2, max_length=40)

    @field_validator("words", mode="before")
    @classmethod
    def _split_words(cls, value: Any) -> list[str]:
        if isinstance(value, str):
            value = value.replace("＝", "=").replace("，", ",").replace("=", ",").split(",")
        words = list(dict.fromkeys(_lines(value)))
        # Two characters at least: a one-character "word" (证) is inside nearly every question and would expand all.
        if not 2 <= len(words) <= 12 or any(not 2 <= len(w) <= 30 for w in words):
            raise ValueError(messages.SYNONYM_WORDS)
        return words


class ItemGuideForm(StrictIn):
    short: str | None = Field(default=None, max_length=120, description="one plain sentence for 长辈模式")
    what_you_get: str = Field(min_length=2, max_length=200)
    who_can_apply: str = Field(min_length=2, max_length=300)
    steps: list[str] = Field(min_length=1, max_length=12)
    fee: str = Field(min_length=1, max_length=100)
    materials: list[dict[str, Any]] = Field(min_length=1, max_length=30)

    _split = field_validator("steps", mode="before")(_lines)

    @field_validator("materials", mode="before")
    @classmethod
    def _material_lines(cls, value: Any) -> list[dict[str, Any]]:
        """One material per line: 名称, 必需|可容缺, 原件|复印件|原件和复印件, 份数."""
        if not isinstance(value, str):
            return value
        forms = {name: code for code, name in messages.FORM_NAMES.items()}
        materials = []
        for number, line in enumerate(value.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 4 or parts[1] not in messages.KEY_NAMES or parts[2] not in forms \
                    or not parts[3].isdigit() or not 1 <= int(parts[3]) <= 20 or not 1 <= len(parts[0]) <= 60:
                raise ValueError(messages.MATERIAL_LINE.format(number=number))
            materials.append({"name": parts[0], "key": messages.KEY_NAMES[parts[1]], "form": forms[parts[2]],
                              "count": int(parts[3])})
        return materials

    def guide(self) -> dict[str, Any]:
        guide = {"what_you_get": self.what_you_get, "who_can_apply": self.who_can_apply, "steps": self.steps,
                 "fee": self.fee}
        return {"short": self.short, **guide} if self.short else guide
