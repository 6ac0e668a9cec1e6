"""Console pages for 政策快享: the items of one's centres, a structured rule editor (rows of fact, operator,
value — never free code) with test cases in YAML, publication, one subject's explanation, and grant cases."""

from __future__ import annotations

import re
from typing import Any

import yaml
from flask import g, render_template, request
from sqlalchemy import func, select

from miniapp_api.businesses.models import Business
from miniapp_api.console import messages
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import done
from miniapp_api.console.forms import form_page, keeps_input
from miniapp_api.platform.auth import field_cipher
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import DomainError, yaml_problem
from miniapp_api.policies import messages as policy_messages
from miniapp_api.policies import rules, services
from miniapp_api.policies.models import PolicyMatch
from miniapp_api.staff import permissions

ROWS = 10
GROUPS = ("", "A", "B", "C")          # "": must hold; A–C: any one of the group's rows
FORM_INVALID = "form_invalid"
OPS = {">=": "不低于", "<=": "不超过", "==": "等于", "in": "属于", "not_in": "不属于", "has": "持有", "lacks": "未持有",
       "is": "是"}
_SPLIT = re.compile(r"[\s,，、;；]+")


def _value(fact: rules.Fact | None, raw: str) -> Any:
    """A typed value from what was typed; anything unreadable is passed on as text for the rule check to refuse."""
    raw = raw.strip()
    if fact is None:
        return raw
    if fact.kind == rules.NUMBER:
        try:
            return int(raw) if re.fullmatch(r"-?\d+", raw) else float(raw)
        except ValueError:
            return raw
    if fact.kind in (rules.CODE, rules.CHOICE):
        names = {name: value for value, name in fact.choices.items()}
        return [names.get(part, part) for part in _SPLIT.split(raw) if part]
    if fact.kind == rules.FLAG:
        return {"是": True, "否": False, "true": True, "false": False}.get(raw, raw)
    return raw


def rule_from_form(subject: str, form) -> tuple[dict, dict[str, int]]:
    """The rule the editor's rows describe, and for each of its paths the row it came from (for messages)."""
    top: list[dict] = []
    rows_of: dict[str, int] = {}
    groups: dict[str, list[tuple[int, dict]]] = {}
    for row in range(1, ROWS + 1):
        fact_name = (form.get(f"fact_{row}") or "").strip()
        if not fact_name:
            continue
        fact = rules.FACTS[subject].get(fact_name)
        condition = {"fact": fact_name, "op": form.get(f"op_{row}", ""),
                     "value": _value(fact, form.get(f"value_{row}", ""))}
        group = form.get(f"group_{row}", "")
        if group in GROUPS[1:]:
            groups.setdefault(group, []).append((row, condition))
        else:
            rows_of[f"rule.all[{len(top)}]"] = row
            top.append(condition)
    for members in groups.values():
        if len(members) == 1:
            rows_of[f"rule.all[{len(top)}]"] = members[0][0]
            top.append(members[0][1])
            continue
        for j, (row, _) in enumerate(members):
            rows_of[f"rule.all[{len(top)}].any[{j}]"] = row
        rows_of[f"rule.all[{len(top)}].any"] = members[0][0]
        top.append({"any": [condition for _, condition in members]})
    return {"subject": subject, "all": top}, rows_of


def rows_of_rule(rule: dict | None) -> list[dict]:
    """The editor's rows for a saved rule (and empty rows up to ROWS)."""
    rows: list[dict] = []
    any_groups = 0
    for cond in (rule or {}).get("all", []):
        group = ""
        if "any" in cond:
            group, any_groups = GROUPS[1 + any_groups % 3], any_groups + 1
        for member in cond.get("any", [cond]):
            fact = rules.FACTS[rule["subject"]][member["fact"]]
            rows.append({"fact": member["fact"], "op": member["op"], "value": _shown(fact, member["value"]),
                         "group": group})
    return rows + [{"fact": "", "op": "", "value": "", "group": ""}] * max(0, ROWS - len(rows))


def _shown(fact: rules.Fact, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "，".join(fact.choices.get(v, str(v)) for v in value)
    return str(value)


def _field_errors(errors: dict[str, str], rows_of: dict[str, int]) -> dict[str, str]:
    """The rule check's errors at the editor's fields: a condition's at its row's value, the rest at the table."""
    fields: dict[str, str] = {}
    for path, message in errors.items():
        row = next((rows_of[p] for p in sorted(rows_of, key=len, reverse=True) if path.startswith(p)), None)
        if row:
            fields.setdefault(f"value_{row}", f"{messages.POLICY_ROW.format(row=row)}：{message}")
        else:
            fields.setdefault("rule", f"{messages.RULE_LABELS.get(path.split('[')[0], path)}：{message}")
    return fields


def _cases(text: str) -> list:
    try:
        value = yaml.safe_load(text or "[]")
    except yaml.YAMLError as exc:
        raise DomainError(messages.INVALID_FORM, code=FORM_INVALID, status=422,
                          fields={"cases": yaml_problem(exc)}) from exc
    if not isinstance(value, list):
        raise DomainError(messages.INVALID_FORM, code=FORM_INVALID, status=422,
                          fields={"cases": messages.YAML_LIST})
    return value


@bp.get("/policies")
@page(*permissions.POLICY_AUTHOR)
def policy_list():
    return render_template("console/policies.html", items=services.staff_items(db.session, g.staff),
                           mode_names=policy_messages.MODE_NAMES, status_names=policy_messages.ITEM_STATUS_NAMES,
                           subject_names=policy_messages.SUBJECT_NAMES)


@bp.route("/policies/<int:item_id>", methods=["GET", "POST"])
@page(*permissions.POLICY_AUTHOR)
def policy_page(item_id: int):
    """The editor; a refused rule or test case answers this page again with what was typed still there."""
    return form_page(lambda: _save_rule(item_id), lambda: _policy_view(item_id))


def _save_rule(item_id: int):
    item = services.staff_item(db.session, g.staff, item_id)
    rule, rows_of = rule_from_form(item.subject, request.form)
    cases = _cases(request.form.get("cases", ""))
    try:
        saved = services.save_rule(db.session, g.staff, item, rule, cases)
    except DomainError as exc:
        if exc.code == rules.INVALID_RULE:
            raise DomainError(messages.INVALID_FORM, code=FORM_INVALID, status=422,
                              fields=_field_errors(exc.fields or {}, rows_of)) from exc
        raise
    passed = sum(r.passed for r in saved.results)
    return done(messages.POLICY_RULE_SAVED.format(version=saved.rule.version, passed=passed,
                                                  total=len(saved.results)), "console.policy_page", item_id=item.id)


def _policy_view(item_id: int):
    item = services.staff_item(db.session, g.staff, item_id)
    versions = services.rule_versions(db.session, item)
    latest = versions[0] if versions else None
    results = rules.run_cases(latest.rule, latest.cases) if latest else []
    check = _check(item)
    return render_template(
        "console/policy.html", item=item, versions=versions, latest=latest, results=results, check=check,
        rows=rows_of_rule(latest.rule if latest else None), facts=rules.FACTS[item.subject], ops=OPS,
        groups=GROUPS, cases_text=yaml.safe_dump(latest.cases, allow_unicode=True, sort_keys=False) if latest else "",
        described=rules.describe(latest.rule) if latest else [], mode_names=policy_messages.MODE_NAMES,
        status_names=policy_messages.ITEM_STATUS_NAMES, can_publish=g.staff.has_role(*permissions.POLICY_PUBLISH),
        matches=db.session.scalar(select(func.count()).select_from(PolicyMatch).where(
            PolicyMatch.policy_item_id == item.id)))


def _check(item) -> dict | None:
    """One subject's evaluation when the page was asked for it (?id_number= or ?credit_code=)."""
    id_number = (request.args.get("id_number") or "").strip()[:18] or None
    credit_code = (request.args.get("credit_code") or "").strip()[:18] or None
    if not (id_number or credit_code):
        return None
    try:
        evaluation = services.check_subject(db.session, field_cipher(), g.staff, item, id_number=id_number,
                                            credit_code=credit_code, now=utcnow())
    except DomainError as exc:
        return {"error": exc.message}
    name = db.session.scalar(select(Business.name).where(Business.credit_code == (credit_code or "").upper())) \
        if credit_code else None
    return {"evaluation": evaluation, "name": name}


@bp.post("/policies/<int:item_id>/publish")
@page(*permissions.POLICY_PUBLISH)
@keeps_input("console.policy_page")
def policy_publish(item_id: int):
    item = services.staff_item(db.session, g.staff, item_id)
    rule = services.publish(db.session, g.staff, item, utcnow())
    return done(messages.POLICY_PUBLISHED.format(version=rule.version), "console.policy_page", item_id=item.id)


@bp.get("/policy-grants")
@page(*permissions.POLICY_GRANTS)
def policy_grants():
    status = request.args.get("status") if request.args.get("status") in policy_messages.GRANT_STATUS_NAMES \
        else "reviewing"
    return render_template("console/policy_grants.html", grants=services.staff_grants(db.session, g.staff, status),
                           status=status, status_names=policy_messages.GRANT_STATUS_NAMES)


@bp.post("/policy-grants/<int:grant_id>/review")
@page(*permissions.POLICY_GRANTS)
@keeps_input("console.policy_grants")
def policy_grant_review(grant_id: int):
    grant = services.staff_grant(db.session, g.staff, grant_id)
    approve = request.form.get("approve") == "yes"
    services.review(db.session, g.staff, grant, approve=approve, reason=request.form.get("reason"), now=utcnow())
    return done(messages.GRANT_REVIEWED.format(reference=grant.reference,
                                               status=policy_messages.GRANT_STATUS_NAMES[grant.status]),
                "console.policy_grants")


@bp.post("/policy-grants/<int:grant_id>/paid")
@page(*permissions.POLICY_GRANTS)
@keeps_input("console.policy_grants")
def policy_grant_paid(grant_id: int):
    grant = services.staff_grant(db.session, g.staff, grant_id)
    services.mark_paid(db.session, g.staff, grant, utcnow())
    return done(messages.GRANT_REVIEWED.format(reference=grant.reference,
                                               status=policy_messages.GRANT_STATUS_NAMES[grant.status]),
                "console.policy_grants", status="approved")
