"""A scenario as the console's form holds it: rows of questions (text, kind, choices, conditions) and outcomes
(item, note, conditions, extra materials), and the conversion between those rows and the stored definition.

The form posts flat names that are also the paths of the errors (questions.1.options.0.label,
outcomes.2.when.0, outcomes.0.materials.1.count), so a refusal lands at the field that caused it. A condition is
one pick "question key=answer value" from a list of the questions' answers; picks on the same question are
alternatives (或), picks on different questions must all hold (且). Question keys and choice values are made up
by the form (q1, q2…, a1, a2…) so a clerk only writes Chinese; a scenario written in YAML keeps its own.

Blank rows are left out when saving (a question with no text and no choices, a choice with no label, a condition
not picked, a material with no name); errors found after that are put back on the rows they came from.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from miniapp_api.guidance import messages, scenarios

YES_NO = {"true": True, "false": False}
NAME = re.compile(r"^(questions|outcomes)\.(\d+)\.(.+)$")
PICK_NAME = re.compile(r"^(questions|outcomes)\.(\d+)\.(when|options|materials)\.(\d+)(?:\.(\w+))?$")
GROUPS = {"questions": ("when", "options"), "outcomes": ("when", "materials")}
ROW_FIELDS = {"questions": ("key", "text", "kind"), "outcomes": ("item", "note")}
LIMITS = {"questions": 12, "outcomes": 30, "options": 12, "when": 6, "materials": 10}


def _blank_question() -> dict[str, Any]:
    return {"key": "", "text": "", "kind": scenarios.YESNO, "options": [], "when": []}


def _blank_outcome() -> dict[str, Any]:
    return {"item": "", "note": "", "when": [], "materials": []}


def _blank_option() -> dict[str, Any]:
    return {"value": "", "label": ""}


def _blank_material() -> dict[str, Any]:
    return {"name": "", "key": "true", "form": "original", "count": "1"}


BLANK = {"questions": _blank_question, "outcomes": _blank_outcome, "options": _blank_option,
         "materials": _blank_material, "when": lambda: ""}


def blank_rows() -> dict[str, list]:
    """A new scenario's form: one yes/no question and one outcome to fill in."""
    return fill_keys({"questions": [_blank_question()], "outcomes": [_blank_outcome()]})


def _index(rows: list, position: int, make) -> Any:
    while len(rows) <= position:
        rows.append(make())
    return rows[position]


def rows_of_post(form: MultiDict) -> dict[str, list]:
    """The rows exactly as typed (nothing dropped, nothing checked): what a refused save draws again."""
    rows: dict[str, list] = {"questions": [], "outcomes": []}
    for name in form:
        if len(name) > 80:
            continue
        value = form.get(name, "")
        sub = PICK_NAME.match(name)
        if sub:
            part, position, group, inner, attribute = sub.groups()
            if int(position) >= LIMITS[part] or int(inner) >= LIMITS[group] or group not in GROUPS[part]:
                continue
            row = _index(rows[part], int(position), BLANK[part])
            if group == "when":
                _index(row["when"], int(inner), BLANK["when"])
                row["when"][int(inner)] = value.strip()
            elif attribute in BLANK[group]():
                _index(row[group], int(inner), BLANK[group])[attribute] = value.strip()
            continue
        plain = NAME.match(name)
        if plain and plain.group(3) in ROW_FIELDS[plain.group(1)] and int(plain.group(2)) < LIMITS[plain.group(1)]:
            part, position, attribute = plain.groups()
            _index(rows[part], int(position), BLANK[part])[attribute] = value.strip()
    return rows


def _pick(key: str, value: Any) -> str:
    return f"{key}={str(value).lower() if isinstance(value, bool) else value}"


def _picks(when: Any) -> list[str]:
    return [_pick(key, v) for key, expected in (when or {}).items() if isinstance(when, dict)
            for v in (expected if isinstance(expected, list) else [expected])]


def rows_of_definition(questions: list[dict[str, Any]], outcomes: list[dict[str, Any]]) -> dict[str, list]:
    """A stored scenario as the form's rows."""
    return fill_keys({
        "questions": [{"key": str(q.get("key", "")), "text": str(q.get("text", "")), "kind": str(q.get("kind", "")),
                       "options": [{"value": str(o.get("value", "")), "label": str(o.get("label", ""))}
                                   for o in q.get("options") or [] if isinstance(o, dict)],
                       "when": _picks(q.get("when"))} for q in questions if isinstance(q, dict)],
        "outcomes": [{"item": str(o.get("item") or ""), "note": str(o.get("note") or ""), "when": _picks(o.get("when")),
                      "materials": [{"name": str(m.get("name", "")), "key": "true" if m.get("key") else "false",
                                     "form": str(m.get("form", "copy")), "count": str(m.get("count", 1))}
                                    for m in o.get("materials") or [] if isinstance(m, dict)]}
                     for o in outcomes if isinstance(o, dict)]})


def fill_keys(rows: dict[str, list]) -> dict[str, list]:
    """Give every question a key and every choice a value the conditions can name (q1…, a1…), keeping those it has."""
    used = {q["key"] for q in rows["questions"] if q["key"]}
    for position, question in enumerate(rows["questions"]):
        if not question["key"]:
            question["key"] = _free_name("q", position + 1, used)
        values = {o["value"] for o in question["options"] if o["value"]}
        for place, option in enumerate(question["options"]):
            if not option["value"]:
                option["value"] = _free_name("a", place + 1, values)
    return rows


def _free_name(prefix: str, number: int, used: set[str]) -> str:
    """`prefix` + the first number from `number` on that is not in `used` (which then holds it)."""
    while f"{prefix}{number}" in used:
        number += 1
    used.add(f"{prefix}{number}")
    return f"{prefix}{number}"


def for_editing(rows: dict[str, list]) -> dict[str, list]:
    """The rows as the page draws them: every question with two choice rows at least, so a question turned into a
    choice question has its rows there at once (blank rows are left out when saving)."""
    for question in rows["questions"]:
        while len(question["options"]) < 2:
            question["options"].append(_blank_option())
    return fill_keys(rows)


def edit(rows: dict[str, list], command: str) -> dict[str, list]:
    """Add or remove a row without saving: "add:questions", "add:outcomes.1.materials", "remove:questions.2",
    "remove:outcomes.0.when.1". An unknown or out-of-range command changes nothing."""
    verb, _, path = command.partition(":")
    parts = path.split(".")
    try:
        if verb == "add" and len(parts) == 1 and parts[0] in rows:
            if len(rows[parts[0]]) < LIMITS[parts[0]]:
                rows[parts[0]].append(BLANK[parts[0]]())
        elif verb == "add" and len(parts) == 3 and parts[0] in rows and parts[2] in LIMITS:
            group = rows[parts[0]][int(parts[1])][parts[2]]
            if len(group) < LIMITS[parts[2]]:
                group.append(BLANK[parts[2]]())
        elif verb == "remove" and len(parts) == 2 and parts[0] in rows:
            del rows[parts[0]][int(parts[1])]
        elif verb == "remove" and len(parts) == 4 and parts[0] in rows:
            del rows[parts[0]][int(parts[1])][parts[2]][int(parts[3])]
    except (IndexError, KeyError, ValueError, TypeError):
        pass
    return fill_keys(rows)


def answer_choices(rows: dict[str, list], before: int | None = None) -> list[dict[str, Any]]:
    """What a condition may pick, grouped by question: [{number, text, picks: [(pick, words)]}]; only the
    questions before `before` for a question's own condition."""
    groups = []
    for number, question in enumerate(rows["questions"][:before], start=1):
        if question["kind"] == scenarios.CHOICE:
            picks = [(_pick(question["key"], o["value"]), o["label"]) for o in question["options"] if o["label"]]
        else:
            picks = [(_pick(question["key"], True), messages.YES), (_pick(question["key"], False), messages.NO)]
        groups.append({"number": number, "text": question["text"] or messages.FORM_UNTITLED, "picks": picks})
    return groups


# --- rows → definition ---------------------------------------------------------------------------------------


def _filled_question(q: dict[str, Any]) -> bool:
    return bool(q["text"] or any(o["label"] for o in q["options"]) or any(q["when"]))


def _filled_outcome(o: dict[str, Any]) -> bool:
    return bool(o["item"] or o["note"] or any(m["name"] for m in o["materials"]))


def _item_code(typed: str, names: dict[str, str]) -> str:
    """The item a clerk picked: its code (the list fills it in), its exact name, or "名称（编码）"."""
    if typed in names.values() or not typed:
        return typed
    if typed in names:
        return names[typed]
    tail = re.search(r"[（(]([^（）()]+)[）)]$", typed)
    return tail.group(1) if tail and tail.group(1) in names.values() else typed


def definition(rows: dict[str, list], item_names: dict[str, str]) -> tuple[list, list, dict[str, str], dict]:
    """The stored shape of the rows: (questions, outcomes, problems keyed by the form's own field names, where
    each saved question and outcome came from: {"questions": [form row of saved 0, …], "outcomes": […]}).

    item_names: name → code of every catalogue item (what the item field may name).
    """
    rows = fill_keys(rows)
    problems: dict[str, str] = {}
    kept_questions = [(n, q) for n, q in enumerate(rows["questions"]) if _filled_question(q)]
    by_key = {q["key"]: (position, q) for position, (_, q) in enumerate(kept_questions)}

    def conditions(where: str, picks: list[str], before: int | None) -> dict[str, Any] | None:
        when: dict[str, list] = {}
        for k, pick in enumerate(picks):
            if not pick:
                continue
            key, _, raw = pick.partition("=")
            found = by_key.get(key)
            if found is None or (before is not None and found[0] >= before):
                problems[f"{where}.when.{k}"] = (messages.FORM_WHEN_GONE if found is None
                                                 else messages.FORM_WHEN_LATER)
                continue
            question = found[1]
            if question["kind"] == scenarios.CHOICE:
                value: Any = raw if raw in {o["value"] for o in question["options"] if o["label"]} else None
            else:
                value = YES_NO.get(raw)
            if value is None:
                problems[f"{where}.when.{k}"] = messages.FORM_WHEN_GONE
                continue
            if value not in when.setdefault(key, []):
                when[key].append(value)
        return {key: values[0] if len(values) == 1 else values for key, values in when.items()} or None

    questions = []
    for position, (n, row) in enumerate(kept_questions):
        question: dict[str, Any] = {"key": row["key"], "text": row["text"], "kind": row["kind"]}
        if row["kind"] == scenarios.CHOICE:
            question["options"] = [{"value": o["value"], "label": o["label"]} for o in row["options"] if o["label"]]
        when = conditions(f"questions.{n}", row["when"], position)
        if when:
            question["when"] = when
        questions.append(question)
    kept_outcomes = [(n, o) for n, o in enumerate(rows["outcomes"]) if _filled_outcome(o)]
    outcomes = []
    material_places: dict[int, list[int]] = {}
    for n, row in kept_outcomes:
        outcome: dict[str, Any] = {}
        if row["item"]:
            outcome["item"] = _item_code(row["item"], item_names)
        when = conditions(f"outcomes.{n}", row["when"], None)
        if when:
            outcome["when"] = when
        materials = []
        for j, material in enumerate(row["materials"]):
            if not material["name"]:
                continue
            where = f"outcomes.{n}.materials.{j}"
            count = material["count"]
            if not count.isdigit() or not 1 <= int(count) <= 20:
                problems[f"{where}.count"] = messages.FORM_COUNT
                continue
            materials.append({"name": material["name"], "key": material["key"] == "true", "form": material["form"],
                              "count": int(count)})
            material_places.setdefault(len(outcomes), []).append(j)
        if materials:
            outcome["materials"] = materials
        if row["note"]:
            outcome["note"] = row["note"]
        outcomes.append(outcome)
    places = {"questions": [n for n, _ in kept_questions], "outcomes": [n for n, _ in kept_outcomes],
              "materials": material_places}
    return questions, outcomes, problems, places


def at_rows(fields: dict[str, str], places: dict[str, list[int]]) -> dict[str, str]:
    """A definition's errors (questions.1.text of the saved list) at the form rows they came from."""
    moved = {}
    for path, text in fields.items():
        match = re.match(r"^(questions|outcomes)\.(\d+)(.*)$", path)
        if match and int(match.group(2)) < len(places[match.group(1)]):
            part, saved, rest = match.group(1), int(match.group(2)), match.group(3)
            material = re.match(r"^\.materials\.(\d+)(.*)$", rest)
            kept = places["materials"].get(saved, []) if part == "outcomes" else []
            if material and int(material.group(1)) < len(kept):
                rest = f".materials.{kept[int(material.group(1))]}{material.group(2)}"
            path = f"{part}.{places[part][saved]}{rest}"
        moved[path] = text
    return moved
