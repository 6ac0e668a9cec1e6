"""Scenario interviews as data: which question comes next, which items the answers lead to, and one merged
materials list. Plain functions on the stored definition (no session), so authoring can check a definition
and the API can run an interview with the same code.

A question or an outcome applies when every condition of its `when` holds: `{has_shop: true}` or
`{area: [small, medium]}`. A question whose condition fails is skipped; its answer must not be given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from miniapp_api.guidance import messages

YESNO = "yesno"
CHOICE = "choice"
FORMS_RANK = {"copy": 0, "original": 1, "original_and_copy": 2}


class DefinitionError(ValueError):
    """A scenario definition that cannot run; `fields` names where (questions.2.options, outcomes.1.item)."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


class AnswerError(ValueError):
    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def _allowed(question: dict[str, Any]) -> list[Any]:
    if question["kind"] == YESNO:
        return [True, False]
    return [option["value"] for option in question.get("options", [])]


def _holds(when: dict[str, Any] | None, answers: dict[str, Any]) -> bool:
    for key, expected in (when or {}).items():
        wanted = expected if isinstance(expected, list) else [expected]
        if key not in answers or answers[key] not in wanted:
            return False
    return True


def check_definition(questions: list[dict[str, Any]], outcomes: list[dict[str, Any]],
                     item_codes: set[str]) -> None:
    """Refuse a definition an interview cannot run: unknown kinds, duplicate keys, conditions on questions
    not asked before, values a question cannot take, outcomes naming unknown items."""
    problems: dict[str, str] = {}
    seen: dict[str, dict[str, Any]] = {}

    def check_when(where: str, when: Any) -> None:
        if when is None:
            return
        if not isinstance(when, dict):
            problems[f"{where}.when"] = messages.DEF_WHEN_SHAPE
            return
        for key, expected in when.items():
            if key not in seen:
                problems[f"{where}.when"] = messages.DEF_WHEN_UNKNOWN.format(key=key)
                continue
            for value in (expected if isinstance(expected, list) else [expected]):
                if value not in _allowed(seen[key]):
                    problems[f"{where}.when"] = messages.DEF_WHEN_VALUE.format(key=key, value=value)

    if not questions:
        problems["questions"] = messages.DEF_NO_QUESTIONS
    for position, question in enumerate(questions):
        where = f"questions.{position}"
        key, kind = question.get("key"), question.get("kind")
        if not isinstance(key, str) or not key.isidentifier() or len(key) > 30:
            problems[f"{where}.key"] = messages.DEF_KEY
            continue
        if key in seen:
            problems[f"{where}.key"] = messages.DEF_KEY_TWICE.format(key=key)
        if not isinstance(question.get("text"), str) or not 2 <= len(question["text"]) <= 100:
            problems[f"{where}.text"] = messages.DEF_TEXT
        if kind not in (YESNO, CHOICE):
            problems[f"{where}.kind"] = messages.DEF_KIND
        elif kind == CHOICE:
            options = question.get("options")
            if (not isinstance(options, list) or len(options) < 2
                    or not all(isinstance(o, dict) and o.get("value") and o.get("label") for o in options)):
                problems[f"{where}.options"] = messages.DEF_OPTIONS
        check_when(where, question.get("when"))
        seen[key] = question
    if not outcomes:
        problems["outcomes"] = messages.DEF_NO_OUTCOMES
    for position, outcome in enumerate(outcomes):
        where = f"outcomes.{position}"
        if outcome.get("item") is None and not outcome.get("note"):
            problems[f"{where}"] = messages.DEF_OUTCOME_EMPTY
        elif outcome.get("item") is not None and outcome["item"] not in item_codes:
            problems[f"{where}.item"] = messages.DEF_ITEM.format(item=outcome.get("item"))
        check_when(where, outcome.get("when"))
        materials = outcome.get("materials") or []
        if materials and outcome.get("item") is None:
            problems.setdefault(f"{where}.item", messages.DEF_MATERIAL_ITEM)  # a checklist lists them under an item
        for number, material in enumerate(materials if isinstance(materials, list) else [None]):
            place = f"{where}.materials.{number}"
            if not isinstance(material, dict) or not isinstance(material.get("name"), str) \
                    or not 1 <= len(material["name"].strip()) <= 60 or not isinstance(material.get("key", False), bool) \
                    or type(material.get("count", 1)) is not int or not 1 <= material.get("count", 1) <= 20:
                problems[place] = messages.DEF_MATERIAL
            elif material.get("form", "copy") not in FORMS_RANK:
                problems[f"{place}.form"] = messages.DEF_MATERIAL_FORM
    if problems:
        raise DefinitionError(problems)


def check_answers(questions: list[dict[str, Any]], answers: dict[str, Any]) -> None:
    """Answers must belong to questions that apply, with values they allow."""
    by_key = {q["key"]: q for q in questions}
    problems: dict[str, str] = {}
    for key, value in answers.items():
        question = by_key.get(key)
        if question is None:
            problems[key] = messages.ANSWER_UNKNOWN
        elif value not in _allowed(question) or isinstance(value, bool) != (question["kind"] == YESNO):
            problems[key] = messages.ANSWER_VALUE
        elif not _holds(question.get("when"), answers):
            problems[key] = messages.ANSWER_NOT_ASKED
    if problems:
        raise AnswerError(problems)


def next_question(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any] | None:
    """The first question that applies and has no answer yet; None when the interview is over."""
    for question in questions:
        if question["key"] not in answers and _holds(question.get("when"), answers):
            return question
    return None


def progress(questions: list[dict[str, Any]], answers: dict[str, Any]) -> tuple[int, int]:
    """(answered, answered + still to ask on this path) for a progress line such as 第2题/共3题."""
    remaining = dict(answers)
    still = 0
    while (question := next_question(questions, remaining)) is not None:
        still += 1
        remaining[question["key"]] = _allowed(question)[0]
    return len(answers), len(answers) + still


@dataclass
class Material:
    name: str
    key: bool
    form: str
    count: int
    for_items: list[str] = field(default_factory=list)


@dataclass
class Checklist:
    item_codes: list[str]
    notes: list[str]
    materials: list[Material]


def checklist(outcomes: list[dict[str, Any]], answers: dict[str, Any],
              item_materials: dict[str, tuple[str, list[dict[str, Any]]]]) -> Checklist:
    """The items the answers lead to, in the order the scenario lists them (once each), and their materials
    merged by name: required if any item requires it, the stricter form, the larger count.

    item_materials: code → (item name, materials) of every item the outcomes may name.
    """
    codes: list[str] = []
    notes: list[str] = []
    merged: dict[str, Material] = {}
    for outcome in outcomes:
        if not _holds(outcome.get("when"), answers):
            continue
        if outcome.get("note"):
            notes.append(outcome["note"])
        code = outcome.get("item")
        if code is None:
            continue
        if code not in codes:
            codes.append(code)
        name, materials = item_materials[code]
        for material in [*materials, *outcome.get("materials", [])]:
            entry = merged.setdefault(material["name"], Material(material["name"], False, "copy", 1))
            entry.key = entry.key or bool(material.get("key"))
            form = material.get("form", "copy")
            if FORMS_RANK.get(form, 0) > FORMS_RANK.get(entry.form, 0):
                entry.form = form
            entry.count = max(entry.count, int(material.get("count", 1)))
            if name not in entry.for_items:
                entry.for_items.append(name)
    ordered = sorted(merged.values(), key=lambda m: (not m.key, -len(m.for_items)))
    return Checklist(item_codes=codes, notes=notes, materials=ordered)


def condition_words(questions: list[dict[str, Any]], when: dict[str, Any] | None) -> str:
    """A condition as the author reads it in the preview: 「是否已有营业执照」答“否”, not has_licence=False."""
    by_key = {q.get("key"): q for q in questions}
    conditions = when or {}
    # In the order the questions are asked (a stored condition's keys come back in JSONB's own order).
    order = [q.get("key") for q in questions if q.get("key") in conditions]
    order += [key for key in conditions if key not in order]
    parts = []
    for key in order:
        expected = conditions[key]
        question = by_key.get(key, {})
        labels = {o.get("value"): o.get("label") for o in question.get("options", []) if isinstance(o, dict)}
        answers = []
        for value in (expected if isinstance(expected, list) else [expected]):
            if question.get("kind") == YESNO or isinstance(value, bool):
                answers.append(messages.YES if value else messages.NO)
            else:
                answers.append(str(labels.get(value, value)))
        parts.append(messages.CONDITION.format(question=question.get("text", key), answers="或".join(
            f"“{a}”" for a in answers)))
    return messages.CONDITION_JOIN.join(parts)
