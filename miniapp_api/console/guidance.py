"""Console pages for 智能导服: Q&A entries, scenarios, item guides and synonyms (draft → preview → publish),
all-or-none imports with a preview, and the report of questions that found no good answer."""

from __future__ import annotations

from datetime import timedelta

from flask import g, make_response, render_template, request
from sqlalchemy import select

from miniapp_api.centres.messages import AUDIENCE_NAMES
from miniapp_api.centres.models import ServiceItem
from miniapp_api.console import messages, queries
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import done, form_data
from miniapp_api.console.forms import form_page, keeps_input
from miniapp_api.guidance import authoring, scenario_rows, scenarios, services
from miniapp_api.guidance import messages as guide_messages
from miniapp_api.guidance.models import DocKind, GuideEntry, GuideScenario, ItemGuideRevision
from miniapp_api.guidance.schemas import EntryForm, ItemGuideForm, SynonymForm
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import DomainError
from miniapp_api.staff import permissions

AUTHORS = permissions.GUIDANCE_AUTHOR
PUBLISHERS = permissions.GUIDANCE_PUBLISH
FORM_INVALID = "form_invalid"
# The Q&A list, a page at a time (204 entries were one 11,600-pixel page).
ENTRIES_PER_PAGE = 30
EDITORS = {DocKind.ENTRY: "console.guidance_entry", DocKind.SCENARIO: "console.guidance_scenario",
           DocKind.ITEM: "console.guidance_item"}


def _page(template: str, **context):
    return render_template(f"console/{template}", centres=queries.centres_of(db.session, g.staff),
                           status_names=guide_messages.STATUS_NAMES, audience_names=AUDIENCE_NAMES,
                           form_names=guide_messages.FORM_NAMES, can_publish=g.staff.has_role(*PUBLISHERS),
                           **context)


@bp.get("/guidance")
@page(*AUTHORS)
def guidance_home():
    text = (request.args.get("q") or "").strip()[:40] or None
    session = db.session
    entries = authoring.newest_versions(session, g.staff, GuideEntry, text=text)
    pages = max(1, -(-len(entries) // ENTRIES_PER_PAGE))
    number = min(max(_page_number(request.args.get("page")), 1), pages)
    shown = entries[(number - 1) * ENTRIES_PER_PAGE: number * ENTRIES_PER_PAGE]
    return _page("guidance.html", text=text, entries=shown, entry_total=len(entries), page_number=number,
                 page_count=pages,
                 scenarios=authoring.newest_versions(session, g.staff, GuideScenario, text=text),
                 items=authoring.owned_items(session, g.staff),
                 synonyms=authoring.synonym_groups(session, g.staff))


def _page_number(raw: str | None) -> int:
    """?page=N as typed in an address: anything that is not a number is the first page."""
    return int(raw) if raw and raw.isdigit() and len(raw) < 6 else 1


def _history(model, code: str) -> list:
    return authoring.owned(db.session, g.staff, model, code) if code else []


def _entry_page(code: str | None):
    return form_page(lambda: _save_entry(code), lambda: _entry_view(code))


def _save_entry(code: str | None):
    _history(GuideEntry, code)  # an entry of another centre: not found
    data = form_data("variants", "item_codes", "scenario_codes", many=("item_codes", "centre_ids"))
    data["code"] = code or data.get("code", "")
    saved = authoring.save_entry(db.session, g.staff, EntryForm.model_validate(data), utcnow())
    return done(messages.DRAFT_SAVED.format(version=saved.version), "console.guidance_entry", code=saved.code)


def _entry_view(code: str | None):
    history = _history(GuideEntry, code)
    items = db.session.scalars(select(ServiceItem).order_by(ServiceItem.code)).all()
    return _page("guidance_entry.html", history=history, current=history[0] if history else None, items=items,
                 question=request.args.get("question", "")[:200])


@bp.route("/guidance/entries/new", methods=["GET", "POST"])
@page(*AUTHORS)
def guidance_entry_new():
    return _entry_page(None)


@bp.route("/guidance/entries/<code>", methods=["GET", "POST"])
@page(*AUTHORS)
def guidance_entry(code: str):
    return _entry_page(code)


def _scenario_page(code: str | None):
    if request.method == "GET" and request.args.get("format") == "yaml" and code:
        return _scenario_export(code)
    return form_page(lambda: _save_scenario(code), lambda: _scenario_view(code))


def _scenario_export(code: str):
    """导出 YAML: the newest version (a draft too) as a file the import reads back."""
    current = _history(GuideScenario, code)[0]
    response = make_response(authoring.scenario_yaml(db.session, current))
    response.headers["Content-Type"] = "text/yaml; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="scenario-{code}.yaml"'
    return response


SCENARIO_FIELDS = ("code", "title", "summary", "audience", "owner_centre_id", "department")


def _save_scenario(code: str | None):
    """保存草稿 from the form's rows; 导入 YAML saves the YAML instead; 增加/删除 a row draws the form again."""
    history = _history(GuideScenario, code)  # a scenario of another centre: not found
    command = request.form.get("edit", "")
    if command and command != "import":
        return _scenario_view(code, rows=scenario_rows.edit(scenario_rows.rows_of_post(request.form), command))
    if command == "import":
        owner = {"owner_centre_id": history[0].owner_centre_id, "department": history[0].department} if history \
            else {}
        form = authoring.scenario_of_yaml(db.session, request.form.get("yaml", ""), code, owner)
    else:
        values = {name: request.form.get(name, "").strip() for name in SCENARIO_FIELDS
                  if request.form.get(name, "").strip()}
        values["code"] = code or values.get("code", "")
        form = authoring.scenario_of_rows(db.session, values, scenario_rows.rows_of_post(request.form))
    saved = authoring.save_scenario(db.session, g.staff, form, utcnow())
    return done(messages.DRAFT_SAVED.format(version=saved.version), "console.guidance_scenario", code=saved.code)


def _scenario_view(code: str | None, rows: dict | None = None):
    history = _history(GuideScenario, code)
    current = history[0] if history else None
    names = dict(db.session.execute(select(ServiceItem.code, ServiceItem.name)).tuples().all())
    preview = None
    if current:
        preview = {"first": scenarios.next_question(current.questions, {}),
                   "outcomes": [{**o, "item_name": names.get(o.get("item"), ""),
                                 "when_words": scenarios.condition_words(current.questions, o.get("when"))}
                                for o in current.outcomes]}
    if rows is None:
        # A refused save (or import) draws the rows as typed; else the newest version's, or a blank form.
        if request.method == "POST" and request.form.get("edit") != "import":
            rows = scenario_rows.fill_keys(scenario_rows.rows_of_post(request.form))
        elif current:
            rows = scenario_rows.rows_of_definition(current.questions, current.outcomes)
        else:
            rows = scenario_rows.blank_rows()
    rows = scenario_rows.for_editing(rows)
    typed = request.form if request.method == "POST" and request.form.get("edit") != "import" else {}
    return _page("guidance_scenario.html", history=history, current=current, preview=preview, rows=rows,
                 typed=typed, item_names=names, materials=_material_names(current),
                 choices=scenario_rows.answer_choices)


def _material_names(current) -> list[str]:
    """What the material field suggests: every material of the catalogue's items and of this scenario."""
    names = {m.get("name") for materials in db.session.scalars(select(ServiceItem.materials))
             for m in materials or [] if isinstance(m, dict)}
    if current:
        names |= {m.get("name") for o in current.outcomes for m in o.get("materials") or [] if isinstance(m, dict)}
    return sorted(n for n in names if isinstance(n, str) and n)


@bp.route("/guidance/scenarios/new", methods=["GET", "POST"])
@page(*AUTHORS)
def guidance_scenario_new():
    return _scenario_page(None)


@bp.route("/guidance/scenarios/<code>", methods=["GET", "POST"])
@page(*AUTHORS)
def guidance_scenario(code: str):
    return _scenario_page(code)


@bp.route("/guidance/items/<code>", methods=["GET", "POST"])
@page(*AUTHORS)
def guidance_item(code: str):
    return form_page(lambda: _save_item_guide(code), lambda: _item_guide_view(code))


def _save_item_guide(code: str):
    item = authoring.editable_item(db.session, g.staff, code)
    saved = authoring.save_item_guide(db.session, g.staff, item, ItemGuideForm.model_validate(form_data("steps")),
                                      utcnow())
    return done(messages.DRAFT_SAVED.format(version=saved.version), "console.guidance_item", code=code)


def _item_guide_view(code: str):
    item = authoring.editable_item(db.session, g.staff, code)
    history = authoring.versions(db.session, ItemGuideRevision, code)
    draft = history[0] if history and history[0].status == "draft" else None
    shown = {"guide": draft.guide, "materials": draft.materials} if draft else \
        {"guide": item.guide, "materials": item.materials}
    return _page("guidance_item.html", item=item, history=history, draft=draft, shown=shown)


@bp.post("/guidance/<kind>/<code>/publish")
@page(*PUBLISHERS)
def guidance_publish(kind: str, code: str):
    if kind not in EDITORS:
        raise DomainError(messages.PAGE_NOT_FOUND, code="not_found", status=404)
    published = authoring.publish(db.session, g.staff, kind, code, utcnow())
    return done(messages.PUBLISHED.format(version=published.version), EDITORS[kind], code=code)


@bp.post("/guidance/synonyms")
@page(*AUTHORS)
@keeps_input("console.guidance_home")
def guidance_synonyms_add():
    authoring.add_synonyms(db.session, g.staff, SynonymForm.model_validate(form_data()), utcnow())
    return done(messages.SYNONYMS_ADDED, "console.guidance_home")


@bp.post("/guidance/synonyms/<int:group_id>/retire")
@page(*AUTHORS)
@keeps_input("console.guidance_home")
def guidance_synonyms_retire(group_id: int):
    authoring.retire_synonyms(db.session, g.staff, group_id)
    return done(messages.SYNONYMS_RETIRED, "console.guidance_home")


@bp.route("/guidance/import", methods=["GET", "POST"])
@page(*AUTHORS)
def guidance_import():
    """Upload → preview (every row checked, errors by line, nothing written) → confirm (the same content again,
    checked again, written all or none)."""
    if request.method == "GET":
        return _page("guidance_import.html", plan=None)
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        filename, raw = upload.filename, upload.read()
    else:
        filename, raw = request.form.get("filename", ""), request.form.get("content", "").encode("utf-8")
    plan = authoring.plan_import(db.session, g.staff, authoring.read_import(filename, raw))
    action = request.form.get("action", "preview")
    if action == "preview" or plan.errors:
        return (_page("guidance_import.html", plan=plan, filename=filename, content=raw.decode("utf-8-sig")),
                422 if plan.errors else 200)
    publish_now = action == "publish" and g.staff.has_role(*PUBLISHERS)
    count = authoring.apply_import(db.session, g.staff, plan, publish_now=publish_now, now=utcnow())
    how = messages.IMPORT_PUBLISHED if publish_now else messages.IMPORT_AS_DRAFTS
    return done(messages.IMPORT_DONE.format(count=count, how=how), "console.guidance_home")


@bp.get("/guidance/misses")
@page(*permissions.GUIDANCE_REPORT)
def guidance_misses():
    days = 30
    rows = services.misses(db.session, utcnow() - timedelta(days=days))
    return _page("guidance_misses.html", rows=rows, days=days, is_author=g.staff.has_role(*AUTHORS))
