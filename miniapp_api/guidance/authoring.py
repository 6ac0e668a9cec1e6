"""Staff author guidance: drafts, versions, publishing, synonyms, item guides, and all-or-none imports.

A save writes the newest draft of a code (a new version when the newest is published); publishing makes the
newest draft the version citizens see and retires the one before, then refreshes the search index. Staff
edit only what their centres own (admins everything), and what they cannot see is 'not found'.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.centres.models import Centre, ServiceItem
from miniapp_api.centres.services import get_item
from miniapp_api.guidance import index, messages, scenario_rows, scenarios
from miniapp_api.guidance.models import (
    DocKind,
    GuideEntry,
    GuideScenario,
    GuideSynonym,
    ItemGuideRevision,
    Versioned,
    VersionStatus,
)
from miniapp_api.guidance.schemas import EntryForm, ItemGuideForm, ScenarioForm, SynonymForm
from miniapp_api.guidance.services import ENTRY_NOT_FOUND, GUIDANCE_INVALID, NO_DRAFT
from miniapp_api.platform.errors import DomainError, NotFound, field_errors, yaml_problem
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import audit, require_centre, visible_centres

MODELS: dict[str, type[Versioned]] = {DocKind.ENTRY: GuideEntry, DocKind.SCENARIO: GuideScenario,
                                      DocKind.ITEM: ItemGuideRevision}
IMPORT_LIMIT = 5000
CSV_COLUMNS = ("code", "question", "variants", "answer", "item_codes", "scenario_codes", "owner_centre", "department")


def _author(staff: Staff) -> str:
    return staff.display_name[:40]


def _invalid(fields: dict[str, str]) -> DomainError:
    return DomainError(next(iter(fields.values())), code=GUIDANCE_INVALID, status=422, fields=fields)


def versions(session: Session, model: type[Versioned], code: str) -> list[Any]:
    return list(session.scalars(select(model).where(model.code == code).order_by(model.version.desc())))


def owned(session: Session, staff: Staff, model: type[Versioned], code: str) -> list[Any]:
    """A code's versions, newest first, if the staff's centres own it; else 'not found'."""
    rows = versions(session, model, code)
    if not rows:
        raise NotFound(messages.ENTRY_NOT_FOUND, code=ENTRY_NOT_FOUND)
    require_centre(session, staff, rows[0].owner_centre_id)
    return rows


def _save_version(session: Session, staff: Staff, model: type[Versioned], code: str, values: dict[str, Any],
                  now: datetime) -> Any:
    """Update the newest draft, or start a new version after the published one."""
    require_centre(session, staff, values["owner_centre_id"])
    existing = versions(session, model, code)
    if existing:
        require_centre(session, staff, existing[0].owner_centre_id)
    if existing and existing[0].status == VersionStatus.DRAFT:
        row = existing[0]
        for name, value in values.items():
            setattr(row, name, value)
        row.created_at, row.created_by = now, _author(staff)
    else:
        row = model(code=code, version=(existing[0].version + 1) if existing else 1, status=VersionStatus.DRAFT,
                    created_by=_author(staff), created_at=now, **values)
        session.add(row)
    session.flush()
    audit(session, staff, "guidance.save", model.__tablename__, code, version=row.version)
    return row


def _known_items(session: Session, codes: list[str]) -> set[str]:
    return set(session.scalars(select(ServiceItem.code).where(ServiceItem.code.in_(codes)))) if codes else set()


def _check_entry(session: Session, form: EntryForm, pending_scenarios: set[str] = frozenset()) -> None:
    problems = {}
    missing_items = sorted(set(form.item_codes) - _known_items(session, form.item_codes))
    if missing_items:
        problems["item_codes"] = messages.UNKNOWN_ITEMS.format(codes="、".join(missing_items))
    known = set(session.scalars(select(GuideScenario.code).where(GuideScenario.code.in_(form.scenario_codes))))
    missing_scenarios = sorted(set(form.scenario_codes) - known - set(pending_scenarios))
    if missing_scenarios:
        problems["scenario_codes"] = messages.UNKNOWN_SCENARIOS.format(codes="、".join(missing_scenarios))
    known_centres = set(session.scalars(select(Centre.id).where(Centre.id.in_(form.centre_ids))))
    if set(form.centre_ids) - known_centres:
        problems["centre_ids"] = messages.UNKNOWN_CENTRE
    if problems:
        raise _invalid(problems)


def _check_scenario(session: Session, form: ScenarioForm) -> None:
    _check_definition(session, form.questions, form.outcomes)


def _check_definition(session: Session, questions: list[dict[str, Any]], outcomes: list[dict[str, Any]]) -> None:
    """The one check of a scenario's questions and outcomes, whether written in the form or in YAML."""
    codes = [o.get("item") for o in outcomes if isinstance(o, dict) and isinstance(o.get("item"), str)]
    try:
        scenarios.check_definition(questions, outcomes, _known_items(session, codes))
    except scenarios.DefinitionError as exc:
        raise _invalid(exc.fields) from exc


def save_entry(session: Session, staff: Staff, form: EntryForm, now: datetime) -> GuideEntry:
    _check_entry(session, form)
    return _save_version(session, staff, GuideEntry, form.code, form.model_dump(exclude={"code"}), now)


def save_scenario(session: Session, staff: Staff, form: ScenarioForm, now: datetime) -> GuideScenario:
    _check_scenario(session, form)
    return _save_version(session, staff, GuideScenario, form.code, form.model_dump(exclude={"code"}), now)


# --- a scenario from the console's form, or from one YAML document (import/export on the editor's page) ----------

FORM_WORDS = {messages.DEF_OUTCOME_EMPTY: messages.FORM_OUTCOME_EMPTY}


def scenario_of_rows(session: Session, values: dict[str, Any], rows: dict[str, list]) -> ScenarioForm:
    """The editor's rows (questions with their choices and conditions, outcomes with their items and materials) as
    the scenario a YAML document of the same content gives, checked the same way (`_check_scenario`); every
    problem at the form field it belongs to, in Chinese."""
    names = dict(session.execute(select(ServiceItem.name, ServiceItem.code)).tuples().all())
    questions, outcomes, problems, places = scenario_rows.definition(rows, names)
    form = None
    try:
        form = ScenarioForm.model_validate({**values, "questions": questions, "outcomes": outcomes})
    except ValidationError as exc:
        for path, text in field_errors(exc).items():
            problems.setdefault(path if path.split(".")[0] in ("questions", "outcomes") else path.split(".")[0], text)
    try:
        _check_definition(session, questions, outcomes)
    except DomainError as exc:
        for path, text in scenario_rows.at_rows(exc.fields or {}, places).items():
            problems.setdefault(path, FORM_WORDS.get(text, text))
    if problems:
        raise DomainError(messages.FORM_PROBLEMS.format(count=len(problems)), code=GUIDANCE_INVALID, status=422,
                          fields=problems)
    return form


def _node_line(node: Any, path: str) -> int | None:
    """The line of a YAML document where the value at a dotted path (questions.1.kind) starts."""
    line = None
    for part in path.split("."):
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _place_words(path: str) -> str:
    """questions.1.kind → 第2个问题的回答方式 (kind): where in the scenario, in words, with the YAML key to look for."""
    parts = path.split(".")
    words = []
    for number, part in enumerate(parts):
        if part.isdigit():
            continue
        following = parts[number + 1] if number + 1 < len(parts) and parts[number + 1].isdigit() else None
        name = messages.YAML_NAMES.get(part, part)
        words.append(f"第{int(following) + 1}个{name}" if following is not None else f"{name}（{part}）")
    return "的".join(words)


def scenario_of_yaml(session: Session, text: str, code: str | None,
                     defaults: dict[str, Any] | None = None) -> ScenarioForm:
    """One scenario written as YAML (what "导出 YAML" gives: a mapping, or `scenarios:` with one) checked as the
    form's rows are; a mistake is said at the field `yaml` by line (and column for a syntax error). `defaults`
    fill what the YAML leaves out (the scenario's own owner centre and department on its page)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _invalid({"yaml": yaml_problem(exc)}) from exc
    if isinstance(data, dict) and list(data) == ["scenarios"] and isinstance(data["scenarios"], list) \
            and len(data["scenarios"]) == 1 and isinstance(data["scenarios"][0], dict):
        data, node = data["scenarios"][0], node.value[0][1].value[0]
    if not isinstance(data, dict):
        raise _invalid({"yaml": messages.YAML_SCENARIO})
    centres = dict(session.execute(select(Centre.name, Centre.id)).tuples().all())
    record = {**(defaults or {}), **_with_owner(data, centres)}
    if code:
        record["code"] = code
    try:
        form = ScenarioForm.model_validate(record)
        _check_scenario(session, form)
    except (ValidationError, DomainError) as exc:
        fields = field_errors(exc) if isinstance(exc, ValidationError) else (exc.fields or {})
        said = [messages.YAML_AT_PATH.format(line=_node_line(node, path) or 1, where=_place_words(path), message=words)
                for path, words in fields.items()]
        raise _invalid({"yaml": "；".join(said)}) from exc
    return form


def scenario_yaml(session: Session, row: GuideScenario) -> str:
    """A scenario version as the YAML the import (this page's, and 批量导入's) reads back."""
    owner = session.get(Centre, row.owner_centre_id)
    record = {"code": row.code, "title": row.title, "summary": row.summary, "audience": row.audience,
              "owner_centre": owner.name if owner else None, "department": row.department,
              "questions": row.questions, "outcomes": row.outcomes}
    return yaml.safe_dump({"scenarios": [record]}, allow_unicode=True, sort_keys=False)


def editable_item(session: Session, staff: Staff, code: str) -> ServiceItem:
    """An item whose guide the staff may edit: one their centres own (an item with no owner centre yet has no
    one to keep its guide, so nobody edits it until one is named)."""
    item = get_item(session, code)
    if item.owner_centre_id is None:
        raise NotFound(messages.ENTRY_NOT_FOUND, code=ENTRY_NOT_FOUND)
    require_centre(session, staff, item.owner_centre_id)
    return item


def save_item_guide(session: Session, staff: Staff, item: ServiceItem, form: ItemGuideForm,
                    now: datetime) -> ItemGuideRevision:
    """A draft of the item's guide (the item from editable_item)."""
    values = {"guide": form.guide(), "materials": form.materials, "department": item.department or "",
              "owner_centre_id": item.owner_centre_id}
    return _save_version(session, staff, ItemGuideRevision, item.code, values, now)


def _publish_version(session: Session, staff: Staff, kind: str, code: str, now: datetime) -> Any:
    model = MODELS[kind]
    rows = owned(session, staff, model, code)
    draft = rows[0]
    if draft.status != VersionStatus.DRAFT:
        raise DomainError(messages.NO_DRAFT, code=NO_DRAFT, status=409)
    for row in rows[1:]:
        if row.status == VersionStatus.PUBLISHED:
            row.status = VersionStatus.RETIRED
    session.flush()     # the partial unique index allows one published version per code
    draft.status, draft.published_at, draft.published_by = VersionStatus.PUBLISHED, now, _author(staff)
    session.flush()
    audit(session, staff, "guidance.publish", model.__tablename__, code, version=draft.version)
    return draft


def publish(session: Session, staff: Staff, kind: str, code: str, now: datetime) -> Any:
    """The newest draft becomes what citizens see; the version before is retired; the index follows."""
    draft = _publish_version(session, staff, kind, code, now)
    docs = [doc_for(session, kind, draft)]
    if kind == DocKind.SCENARIO:      # entries that link the scenario name it in their index text
        linked = session.scalars(select(GuideEntry).where(GuideEntry.status == VersionStatus.PUBLISHED,
                                                          GuideEntry.scenario_codes.any(code)))
        docs += [doc_for(session, DocKind.ENTRY, entry) for entry in linked]
    index.write_docs(session, docs)
    return draft


def doc_for(session: Session, kind: str, row: Any) -> dict[str, Any]:
    """The index document of a published version (an item guide is copied onto its item first)."""
    if kind == DocKind.ENTRY:
        names = index.item_names(session, row.item_codes)
        audiences = dict(session.execute(select(ServiceItem.code, ServiceItem.audience).where(
            ServiceItem.code.in_(row.item_codes))).tuples().all())
        return index.entry_doc(row, names, index.scenario_titles(session, row.scenario_codes),
                               index.entry_audience(names, audiences))
    if kind == DocKind.SCENARIO:
        return index.scenario_doc(row, index.item_names(session, [o["item"] for o in row.outcomes if o.get("item")]))
    item = session.scalars(select(ServiceItem).where(ServiceItem.code == row.code)).one()
    item.guide, item.materials = row.guide, row.materials
    session.flush()
    return index.item_doc(item)


def add_synonyms(session: Session, staff: Staff, form: SynonymForm, now: datetime) -> GuideSynonym:
    """Synonym groups are small and take effect at once (published); retiring one removes it."""
    require_centre(session, staff, form.owner_centre_id)
    group = GuideSynonym(words=form.words, owner_centre_id=form.owner_centre_id, department=form.department,
                         status=VersionStatus.PUBLISHED, created_by=_author(staff), created_at=now)
    session.add(group)
    session.flush()
    audit(session, staff, "guidance.synonyms", "guide_synonym", group.id, words=form.words)
    return group


def retire_synonyms(session: Session, staff: Staff, group_id: int) -> None:
    group = session.get(GuideSynonym, group_id)
    if group is None:
        raise NotFound(messages.ENTRY_NOT_FOUND, code=ENTRY_NOT_FOUND)
    require_centre(session, staff, group.owner_centre_id)
    group.status = VersionStatus.RETIRED
    audit(session, staff, "guidance.synonyms_retired", "guide_synonym", group.id)


# --- import -------------------------------------------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    kind: str
    data: dict[str, Any]


@dataclass
class ImportPlan:
    entries: list[tuple[int, EntryForm]] = field(default_factory=list)
    scenarios: list[tuple[int, ScenarioForm]] = field(default_factory=list)
    synonyms: list[tuple[int, SynonymForm]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.entries) + len(self.scenarios) + len(self.synonyms)


def _yaml_rows(content: str) -> list[ImportRow]:
    """YAML: {entries: [...], scenarios: [...], synonyms: [[...], ...]}; lines are where each record starts."""
    try:
        node = yaml.compose(content, Loader=yaml.SafeLoader)
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _invalid({f"line {mark.line + 1 if mark else 1}": yaml_problem(exc)}) from exc
    if not isinstance(data, dict) or node is None:
        raise _invalid({"file": messages.IMPORT_EMPTY})
    rows = []
    for key_node, value_node in node.value:
        kind = {"entries": "entry", "scenarios": "scenario", "synonyms": "synonym"}.get(key_node.value)
        if kind is None or not isinstance(data.get(key_node.value), list):
            raise _invalid({f"line {key_node.start_mark.line + 1}": messages.IMPORT_EMPTY})
        for child, record in zip(value_node.value, data[key_node.value], strict=True):
            rows.append(ImportRow(child.start_mark.line + 1, kind, record))
    return rows


def _csv_rows(content: str) -> list[ImportRow]:
    """CSV of Q&A entries, one per line; list cells separated by | (variants, item codes, scenario codes)."""
    reader = csv.DictReader(io.StringIO(content))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise _invalid({"line 1": messages.IMPORT_COLUMNS.format(columns="、".join(missing))})
    return [ImportRow(reader.line_num, "entry", dict(row)) for row in reader]


def read_import(filename: str, raw: bytes) -> list[ImportRow]:
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _invalid({"file": messages.IMPORT_ENCODING}) from exc
    lowered = filename.lower()
    if lowered.endswith(".csv"):
        rows = _csv_rows(content)
    elif lowered.endswith((".yaml", ".yml")):
        rows = _yaml_rows(content)
    else:
        raise _invalid({"file": messages.IMPORT_FORMAT})
    if not rows:
        raise _invalid({"file": messages.IMPORT_EMPTY})
    if len(rows) > IMPORT_LIMIT:
        raise _invalid({"file": messages.IMPORT_TOO_MANY.format(limit=IMPORT_LIMIT)})
    return rows


def _with_owner(record: dict[str, Any], centres: dict[str, int]) -> dict[str, Any]:
    """Import rows name their owner centre by name (owner_centre) or by id (owner_centre_id)."""
    record = dict(record)
    name = record.pop("owner_centre", None)
    if name:
        record["owner_centre_id"] = centres.get(str(name), -1)
    return record


def plan_import(session: Session, staff: Staff, rows: list[ImportRow]) -> ImportPlan:
    """Validate every row before anything is written; errors keyed by line ('line 12')."""
    centres = dict(session.execute(select(Centre.name, Centre.id)).tuples().all())
    plan = ImportPlan()
    seen: dict[tuple[str, str], int] = {}
    scenario_codes = {str(r.data.get("code")) for r in rows if r.kind == "scenario" and isinstance(r.data, dict)}
    for row in rows:
        where = f"line {row.line}"
        if not isinstance(row.data, dict) and row.kind != "synonym":
            plan.errors[where] = messages.IMPORT_EMPTY
            continue
        try:
            if row.kind == "synonym":
                data = row.data if isinstance(row.data, dict) else {"words": row.data}
                form = SynonymForm.model_validate(_with_owner(data, centres))
                require_centre(session, staff, form.owner_centre_id)
                plan.synonyms.append((row.line, form))
                continue
            record = _with_owner(row.data, centres)
            if row.kind == "entry":
                form = EntryForm.model_validate(record)
                _check_entry(session, form, scenario_codes)
            else:
                form = ScenarioForm.model_validate(record)
                _check_scenario(session, form)
            require_centre(session, staff, form.owner_centre_id)
            key = (row.kind, form.code)
            if key in seen:
                plan.errors[where] = messages.IMPORT_DUPLICATE.format(line=seen[key])
                continue
            seen[key] = row.line
            (plan.entries if row.kind == "entry" else plan.scenarios).append((row.line, form))
        except ValidationError as exc:
            problems = field_errors(exc)
            plan.errors[where] = "；".join(f"{name}: {text}" for name, text in problems.items())
        except DomainError as exc:
            plan.errors[where] = "；".join(f"{name}: {text}" for name, text in (exc.fields or {}).items()) \
                or exc.message
    return plan


def apply_import(session: Session, staff: Staff, plan: ImportPlan, *, publish_now: bool, now: datetime) -> int:
    """Write a valid plan as drafts (and publish them when asked): all of it, or nothing if it has errors."""
    if plan.errors:
        raise _invalid(plan.errors)
    for _, form in plan.scenarios:
        _save_version(session, staff, GuideScenario, form.code, form.model_dump(exclude={"code"}), now)
    for _, form in plan.entries:
        _save_version(session, staff, GuideEntry, form.code, form.model_dump(exclude={"code"}), now)
    for _, form in plan.synonyms:
        add_synonyms(session, staff, form, now)
    if publish_now:
        published = [(kind, _publish_version(session, staff, kind, form.code, now))
                     for kind, forms in ((DocKind.SCENARIO, plan.scenarios), (DocKind.ENTRY, plan.entries))
                     for _, form in forms]
        index.write_docs(session, [doc_for(session, kind, row) for kind, row in published])
    return plan.count


# --- what the console lists -----------------------------------------------------------------------------------


@dataclass
class Listed:
    row: Any                       # the newest version
    published_version: int | None


def newest_versions(session: Session, staff: Staff, model: type[Versioned], *, text: str | None = None,
                    limit: int = 500) -> list[Listed]:
    """The newest version of every code the staff's centres own, with the version citizens see."""
    statement = (select(model).where(model.owner_centre_id.in_(visible_centres(staff)))
                 .distinct(model.code).order_by(model.code, model.version.desc()))
    if text:
        title = GuideEntry.question if model is GuideEntry else GuideScenario.title if model is GuideScenario \
            else model.code
        statement = statement.where(title.contains(text, autoescape=True) | model.code.contains(text, autoescape=True))
    rows = list(session.scalars(statement.limit(limit)))
    published = dict(session.execute(select(model.code, model.version).where(
        model.code.in_([r.code for r in rows]), model.status == VersionStatus.PUBLISHED)).tuples().all())
    return [Listed(row, published.get(row.code)) for row in rows]


def owned_items(session: Session, staff: Staff) -> list[ServiceItem]:
    """Items whose guides the staff may edit: those their centres own."""
    return list(session.scalars(select(ServiceItem).where(ServiceItem.owner_centre_id.in_(visible_centres(staff)))
                                .order_by(ServiceItem.code)))


def synonym_groups(session: Session, staff: Staff) -> list[GuideSynonym]:
    return list(session.scalars(select(GuideSynonym).where(
        GuideSynonym.status == VersionStatus.PUBLISHED, GuideSynonym.owner_centre_id.in_(visible_centres(staff)))
        .order_by(GuideSynonym.id)))

