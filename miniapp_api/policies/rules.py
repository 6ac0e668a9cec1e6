"""Eligibility rules as data: validated, evaluated with a per-condition explanation, and compiled to SQL.

A rule is JSON the console's structured editor writes (never free code)::

    {"subject": "business",
     "all": [{"fact": "registered_months", "op": ">=", "value": 24},
             {"fact": "size_class", "op": "in", "value": ["small", "micro"]},
             {"any": [{"fact": "industry_code", "op": "in", "value": ["H62"]},
                      {"fact": "licences", "op": "has", "value": "食品经营许可证"}]}]}

Every condition of `all` must hold; an `any` group (one level, no deeper) holds when one of its conditions
does. A fact the registry does not hold for someone (no 户籍 data, no employee count) fails its condition.

The same rule runs two ways: `evaluate` on one subject's facts in Python (explanations, test cases, a
citizen's own page) and `compile_sql` as one WHERE clause over every subject's facts (the matching sweep).
The suite checks both agree on a table of fact sets (tests/policies/test_rule_table.py).

Why not json-logic: its Python ports are barely kept, they cannot explain which condition failed by how
much, and a rule must also compile to SQL for set-based matching; the evaluator below is ~150 lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from miniapp_api.platform.errors import DomainError
from miniapp_api.policies import messages
from miniapp_api.policies.models import Subject

INVALID_RULE = "invalid_rule"
MAX_CONDITIONS = 20
NUMBER, CODE, CHOICE, LICENCE, FLAG = "number", "code", "choice", "licence", "flag"
OPS = {NUMBER: (">=", "<=", "=="), CODE: ("in", "not_in"), CHOICE: ("in", "not_in"), LICENCE: ("has", "lacks"),
       FLAG: ("is",)}


@dataclass(frozen=True)
class Fact:
    name: str
    subject: str
    kind: str
    sql: str                                   # over the subject's fact row `s` (see matching.FACT_ROWS)
    choices: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return messages.FACT_LABELS[self.name]

    @property
    def unit(self) -> str:
        return messages.UNITS.get(self.name, "")


# Licences and grants are looked up per condition (EXISTS), everything else is a column of the fact row.
_PERSON_LICENCE = ("EXISTS (SELECT 1 FROM licence l WHERE l.holder_type = 'person' AND l.contact_id_hash = s.id_hash "
                   "AND l.status = 'valid' AND l.expires_on >= CAST(:today AS date) AND l.licence_type = {value})")
_BUSINESS_LICENCE = ("EXISTS (SELECT 1 FROM licence l WHERE l.holder_type = 'business' "
                     "AND l.credit_code = s.credit_code AND l.status = 'valid' "
                     "AND l.expires_on >= CAST(:today AS date) AND l.licence_type = {value})")
_RECEIVED = ("EXISTS (SELECT 1 FROM policy_grant g JOIN policy_item gi ON gi.id = g.policy_item_id "
             "WHERE g.{column} = s.subject_id AND g.status = 'paid' AND gi.category = :category "
             "AND g.paid_at >= CAST(:year_start AS timestamptz))")

FACTS: dict[str, dict[str, Fact]] = {
    Subject.PERSON: {f.name: f for f in (
        Fact("age", Subject.PERSON, NUMBER, "s.age"),
        Fact("hukou_region", Subject.PERSON, CODE, "s.hukou_region"),
        Fact("disability_level", Subject.PERSON, NUMBER, "s.disability_level"),
        Fact("licences", Subject.PERSON, LICENCE, _PERSON_LICENCE),
        Fact("received_this_year", Subject.PERSON, FLAG, _RECEIVED.format(column="citizen_id")),
    )},
    Subject.BUSINESS: {f.name: f for f in (
        Fact("registered_months", Subject.BUSINESS, NUMBER, "s.registered_months"),
        Fact("industry_code", Subject.BUSINESS, CODE, "s.industry_code"),
        Fact("size_class", Subject.BUSINESS, CHOICE, "s.size_class", messages.SIZE_NAMES),
        Fact("kind", Subject.BUSINESS, CHOICE, "s.kind", messages.KIND_NAMES),
        Fact("region", Subject.BUSINESS, CODE, "s.region"),
        Fact("employees", Subject.BUSINESS, NUMBER, "s.employees"),
        Fact("licences", Subject.BUSINESS, LICENCE, _BUSINESS_LICENCE),
        Fact("received_this_year", Subject.BUSINESS, FLAG, _RECEIVED.format(column="business_id")),
    )},
}


# ---------------------------------------------------------------------------------------------- validation

def _check_condition(cond: Any, subject: str, path: str, errors: dict[str, str]) -> None:
    if not isinstance(cond, dict) or set(cond) != {"fact", "op", "value"}:
        errors[path] = messages.RULE_CONDITION
        return
    fact = FACTS[subject].get(cond["fact"]) if isinstance(cond["fact"], str) else None
    if fact is None:
        errors[f"{path}.fact"] = messages.UNKNOWN_FACT.format(
            fact=cond["fact"], subject=messages.SUBJECT_NAMES[subject], known="、".join(FACTS[subject]))
        return
    if cond["op"] not in OPS[fact.kind]:
        errors[f"{path}.op"] = messages.BAD_OP.format(label=fact.label, op=cond["op"], ops="、".join(OPS[fact.kind]))
        return
    value, where = cond["value"], f"{path}.value"
    if fact.kind == NUMBER and (isinstance(value, bool) or not isinstance(value, int | float)):
        errors[where] = messages.BAD_NUMBER.format(label=fact.label)
    elif fact.kind == CODE and not (isinstance(value, list) and value and all(
            isinstance(v, str) and v.isalnum() and v.isascii() and len(v) <= 6 for v in value)):
        errors[where] = messages.BAD_CODES.format(label=fact.label)
    elif fact.kind == CHOICE and not (isinstance(value, list) and value and all(v in fact.choices for v in value)):
        errors[where] = messages.BAD_CHOICES.format(label=fact.label, choices="、".join(fact.choices))
    elif fact.kind == LICENCE and not (isinstance(value, str) and 0 < len(value) <= 40):
        errors[where] = messages.BAD_TEXT.format(label=fact.label)
    elif fact.kind == FLAG and not isinstance(value, bool):
        errors[where] = messages.BAD_BOOL.format(label=fact.label)


def rule_errors(rule: Any, subject: str | None = None) -> dict[str, str]:
    """Every problem of a rule, by path (`rule.all[2].fact`); empty when it is sound."""
    if not isinstance(rule, dict) or set(rule) != {"subject", "all"}:
        return {"rule": messages.RULE_NOT_OBJECT}
    if rule["subject"] not in FACTS:
        return {"rule.subject": messages.RULE_SUBJECT}
    if subject is not None and rule["subject"] != subject:
        return {"rule.subject": messages.RULE_SUBJECT_MISMATCH}
    conditions = rule["all"]
    if not isinstance(conditions, list) or not 0 < len(conditions) <= MAX_CONDITIONS:
        return {"rule.all": messages.RULE_ALL}
    errors: dict[str, str] = {}
    for i, cond in enumerate(conditions):
        path = f"rule.all[{i}]"
        if isinstance(cond, dict) and set(cond) == {"any"}:
            group = cond["any"]
            if not isinstance(group, list) or not 2 <= len(group) <= MAX_CONDITIONS or any(
                    isinstance(c, dict) and "any" in c for c in group):
                errors[f"{path}.any"] = messages.RULE_ANY
                continue
            for j, inner in enumerate(group):
                _check_condition(inner, rule["subject"], f"{path}.any[{j}]", errors)
        else:
            _check_condition(cond, rule["subject"], path, errors)
    return errors


def check_rule(rule: Any, subject: str | None = None) -> None:
    errors = rule_errors(rule, subject)
    if errors:
        raise DomainError(next(iter(errors.values())), code=INVALID_RULE, status=422, fields=errors)


def facts_used(rule: dict) -> set[str]:
    return {c["fact"] for c in _flat(rule["all"])}


def _flat(conditions: list[dict]) -> list[dict]:
    return [inner for c in conditions for inner in (c["any"] if "any" in c else [c])]


# ---------------------------------------------------------------------------------------------- evaluation

@dataclass(frozen=True)
class Outcome:
    fact: str
    label: str
    op: str
    expected: Any
    actual: Any
    passed: bool
    gap: float | None
    text: str                     # plain Chinese, for the citizen


@dataclass(frozen=True)
class Evaluation:
    eligible: bool
    outcomes: list[Outcome]       # every condition, in the rule's order (any-groups flattened)
    failed: list[str]             # the facts that make them ineligible (a group's members only if none held)


def _region_name(code: str) -> str:
    name = messages.REGION_NAMES.get(code)
    return f"{name}（{code}）" if name else code


def _values_text(fact: Fact, values: list[str]) -> str:
    if fact.kind == CHOICE:
        return "、".join(fact.choices[v] for v in values)
    if fact.name in ("hukou_region", "region"):
        return "、".join(_region_name(v) for v in values)
    return "、".join(f"{v}类" for v in values)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _judge(fact: Fact, op: str, expected: Any, actual: Any) -> tuple[bool, float | None]:
    if fact.kind == LICENCE:
        held = expected in (actual or ())
        return (held if op == "has" else not held), None
    if fact.kind == FLAG:
        return bool(actual) is expected, None
    if actual is None:
        return False, None
    if fact.kind == NUMBER:
        if op == ">=":
            return actual >= expected, (expected - actual if actual < expected else None)
        if op == "<=":
            return actual <= expected, (actual - expected if actual > expected else None)
        return actual == expected, None
    hit = any(str(actual).startswith(v) for v in expected) if fact.kind == CODE else actual in expected
    return (hit if op == "in" else not hit), None


def _requirement(fact: Fact, op: str, expected: Any) -> str:
    if fact.kind == NUMBER:
        if fact.name == "registered_months" and op == ">=":
            return messages.REQ_REGISTERED.format(value=_number(expected))
        template = {">=": messages.REQ_AT_LEAST, "<=": messages.REQ_AT_MOST, "==": messages.REQ_EQUALS}[op]
        return template.format(label=fact.label, value=_number(expected), unit=fact.unit)
    if fact.kind in (CODE, CHOICE):
        return (messages.REQ_IN if op == "in" else messages.REQ_NOT_IN).format(
            label=fact.label, values=_values_text(fact, expected))
    if fact.kind == LICENCE:
        return (messages.REQ_HAS if op == "has" else messages.REQ_LACKS).format(value=expected)
    return messages.RECEIVED if expected else messages.NOT_RECEIVED


def _have(fact: Fact, actual: Any, expected: Any, facts: dict[str, Any]) -> str:
    if fact.kind == LICENCE:
        return (messages.HAS_LICENCE if expected in (actual or ()) else messages.NO_LICENCE).format(value=expected)
    if fact.kind == FLAG:
        return messages.HAVE_RECEIVED if actual else messages.HAVE_NOT_RECEIVED
    if actual is None:
        return messages.HAVE_NO_DISABILITY if fact.name == "disability_level" else messages.HAVE_NONE.format(
            label=fact.label)
    registered_on = facts.get("registered_on")
    if fact.name == "registered_months" and isinstance(registered_on, date):
        return messages.HAVE_REGISTERED.format(year=registered_on.year, month=registered_on.month,
                                               actual=_number(actual))
    if fact.kind == NUMBER:
        shown = _number(actual)
    elif fact.kind == CHOICE:
        shown = fact.choices.get(actual, actual)
    elif fact.name in ("hukou_region", "region"):
        shown = _region_name(actual)
    else:
        shown = actual
    return messages.HAVE.format(label=fact.label, actual=shown, unit=fact.unit if fact.kind == NUMBER else "")


def _outcome(cond: dict, subject: str, facts: dict[str, Any]) -> Outcome:
    fact = FACTS[subject][cond["fact"]]
    op, expected, actual = cond["op"], cond["value"], facts.get(cond["fact"])
    passed, gap = _judge(fact, op, expected, actual)
    requirement, have = _requirement(fact, op, expected), _have(fact, actual, expected, facts)
    if passed:
        text = (messages.PASSED_PLAIN if fact.kind in (FLAG, LICENCE) else messages.PASSED).format(
            requirement=requirement, have=have)
    else:
        gap_text = ""
        if gap is not None:
            gap_text = (messages.GAP if op == ">=" else messages.OVER).format(gap=_number(gap), unit=fact.unit)
        text = messages.FAILED.format(requirement=requirement, have=have, gap=gap_text)
    return Outcome(fact=fact.name, label=fact.label, op=op, expected=expected, actual=actual, passed=passed,
                   gap=gap, text=text)


def evaluate(rule: dict, facts: dict[str, Any]) -> Evaluation:
    """The rule on one subject's facts (fact name → value; `licences` a collection of licence types,
    `registered_on` an optional date for the explanation). A missing fact fails its condition."""
    subject, outcomes, failed = rule["subject"], [], set()
    for cond in rule["all"]:
        group = [_outcome(inner, subject, facts) for inner in cond.get("any", [cond])]
        outcomes.extend(group)
        if not any(o.passed for o in group):
            failed |= {o.fact for o in group}
    return Evaluation(eligible=not failed, outcomes=outcomes, failed=sorted(failed))


# ---------------------------------------------------------------------------------------------- SQL

def compile_sql(rule: dict) -> tuple[str, dict[str, Any]]:
    """The rule as one boolean SQL expression over the fact row `s`, with its bound values (named r0, r1…).
    Every condition is COALESCEd to false, so a missing fact fails exactly as in `evaluate`."""
    params: dict[str, Any] = {}

    def bind(value: Any) -> str:
        name = f"r{len(params)}"
        params[name] = value
        return f":{name}"

    def condition(cond: dict) -> str:
        fact = FACTS[rule["subject"]][cond["fact"]]
        op, value = cond["op"], cond["value"]
        if fact.kind == NUMBER:
            sql = f"{fact.sql} {'=' if op == '==' else op} {bind(value)}"
        elif fact.kind == CODE:
            sql = f"{fact.sql} LIKE ANY(CAST({bind([v + '%' for v in value])} AS text[]))"
            sql = sql if op == "in" else f"NOT ({sql})"
        elif fact.kind == CHOICE:
            sql = f"{fact.sql} = ANY(CAST({bind(list(value))} AS text[]))"
            sql = sql if op == "in" else f"NOT ({sql})"
        elif fact.kind == LICENCE:
            sql = fact.sql.format(value=bind(value))
            sql = sql if op == "has" else f"NOT {sql}"
        else:
            sql = fact.sql if value else f"NOT {fact.sql}"
        return f"COALESCE(({sql}), false)"

    parts = []
    for cond in rule["all"]:
        if "any" in cond:
            parts.append("(" + " OR ".join(condition(inner) for inner in cond["any"]) + ")")
        else:
            parts.append(condition(cond))
    return " AND ".join(parts), params


# ---------------------------------------------------------------------------------------------- test cases

@dataclass(frozen=True)
class CaseResult:
    name: str
    passed: bool
    expected_eligible: bool
    eligible: bool
    expected_failed: list[str] | None
    failed: list[str]
    message: str | None
    outcomes: list[Outcome]


def case_errors(cases: Any, subject: str) -> dict[str, str]:
    """Problems of the test cases' shape (OpenFisca-style: facts in, eligible and the failed facts out)."""
    if not isinstance(cases, list):
        return {"cases": messages.CASES_NOT_LIST}
    errors: dict[str, str] = {}
    for i, case in enumerate(cases):
        path = f"cases[{i}]"
        if (not isinstance(case, dict) or not {"name", "facts", "eligible"} <= set(case)
                or not set(case) <= {"name", "facts", "eligible", "failed"} or not isinstance(case["name"], str)
                or not isinstance(case["facts"], dict) or not isinstance(case["eligible"], bool)
                or not isinstance(case.get("failed", []), list)):
            errors[path] = messages.CASE_SHAPE
            continue
        for name, value in case["facts"].items():
            fact = FACTS[subject].get(name)
            if fact is None:
                errors[f"{path}.facts.{name}"] = messages.CASE_FACT.format(fact=name)
            elif not _fact_value_ok(fact, value):
                errors[f"{path}.facts.{name}"] = messages.CASE_FACT_VALUE.format(label=fact.label)
        for name in case.get("failed", []):
            if name not in FACTS[subject]:
                errors[f"{path}.failed"] = messages.CASE_FACT.format(fact=name)
    return errors


def _fact_value_ok(fact: Fact, value: Any) -> bool:
    if value is None:
        return fact.kind in (NUMBER, CODE, CHOICE)
    if fact.kind == NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if fact.kind == CODE:
        return isinstance(value, str)
    if fact.kind == CHOICE:
        return value in fact.choices
    if fact.kind == LICENCE:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, bool)


def run_cases(rule: dict, cases: list[dict]) -> list[CaseResult]:
    results = []
    for case in cases:
        evaluation = evaluate(rule, case["facts"])
        expected_failed = sorted(case["failed"]) if "failed" in case else None
        passed = evaluation.eligible == case["eligible"] and (
            expected_failed is None or expected_failed == evaluation.failed)
        message = None if passed else messages.CASE_FAILED.format(
            name=case["name"], expected=_verdict(case["eligible"], expected_failed),
            actual=_verdict(evaluation.eligible, evaluation.failed))
        results.append(CaseResult(name=case["name"], passed=passed, expected_eligible=case["eligible"],
                                  eligible=evaluation.eligible, expected_failed=expected_failed,
                                  failed=evaluation.failed, message=message, outcomes=evaluation.outcomes))
    return results


def _verdict(eligible: bool, failed: list[str] | None) -> str:
    if eligible:
        return messages.ELIGIBLE
    if not failed:
        return messages.INELIGIBLE
    return f"{messages.INELIGIBLE}（{'、'.join(messages.FACT_LABELS[f] for f in failed)}）"


def describe(rule: dict) -> list[str]:
    """The rule's conditions as a citizen reads them, one line each (an any-group as one line)."""
    lines = []
    for cond in rule["all"]:
        group = cond["any"] if "any" in cond else [cond]
        texts = [_requirement(FACTS[rule["subject"]][c["fact"]], c["op"], c["value"]) for c in group]
        lines.append(texts[0] if len(texts) == 1 else messages.ONE_OF.format(conditions="；".join(texts)))
    return lines
