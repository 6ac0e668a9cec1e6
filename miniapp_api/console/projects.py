"""Console pages for 重点项目帮办代办: the dashboard of projects by stage and lateness (with the form to add one),
and a project's page (officers, milestones per stage, linking a case from a picker, marking a milestone done)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for

from miniapp_api.businesses.models import Business
from miniapp_api.console import messages, queries
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import form_data
from miniapp_api.console.forms import keeps_input
from miniapp_api.platform.clock import local_date, utcnow
from miniapp_api.platform.db import db
from miniapp_api.projects import messages as project_messages
from miniapp_api.projects import services
from miniapp_api.projects.models import STAGES
from miniapp_api.projects.schemas import LinkCaseForm, MilestoneForm, OfficerForm, ProjectForm, ProjectOut
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import audit


def _done(message: str, project_id: int):
    flash(message, "info")
    return redirect(url_for("console.project_page", project_id=project_id), code=303)


def _names(ids: set[int]) -> dict[int, str]:
    return dict(db.session.query(Staff.id, Staff.display_name).filter(Staff.id.in_(ids)).all()) if ids else {}


@bp.get("/projects")
@page()
def project_list():
    """重点项目: the caller's projects (their centres', or those they lead or serve) by stage and lateness."""
    today = local_date(utcnow())
    board = services.dashboard(db.session, g.staff, today)
    cases = services.cases_of(db.session, [m.id for p in board.projects for m in p.milestones])
    rows = [ProjectOut.of(p, today, cases) for p in board.projects]
    businesses = {b.id: b.name for b in db.session.query(Business).filter(
        Business.id.in_({p.business_id for p in board.projects})).all()} if board.projects else {}
    leads = _names({p.lead_staff_id for p in board.projects})
    manager = g.staff.has_role(*services.MANAGE_ROLES)
    return render_template(
        "console/projects.html", board=board, rows=list(zip(rows, board.projects, strict=True)),
        businesses=businesses, leads=leads, stage_names=project_messages.STAGE_NAMES,
        centres=queries.centres_of(db.session, g.staff) if manager else [],
        pickable=services.pickable_staff(db.session, g.staff) if manager else [],
        all_businesses=db.session.query(Business).order_by(Business.name).limit(500).all() if manager else [])


@bp.post("/projects")
@page(*services.MANAGE_ROLES)
@keeps_input("console.project_list")
def project_create():
    form = ProjectForm.model_validate(form_data())
    values = form.model_dump()
    project = services.create_project(db.session, g.staff, name=values.pop("project_name"), **values)
    return _done(messages.PROJECT_CREATED, project.id)


@bp.get("/projects/<int:project_id>")
@page()
def project_page(project_id: int):
    project = services.staff_project(db.session, g.staff, project_id)
    today = local_date(utcnow())
    cases = services.cases_of(db.session, [m.id for m in project.milestones])
    audit(db.session, g.staff, "project.view", services.AUDIT_SUBJECT, project.id)
    names = _names({project.lead_staff_id, *(o.staff_id for o in project.officers)})
    return render_template(
        "console/project.html", p=ProjectOut.of(project, today, cases), project=project, names=names,
        business=db.session.get(Business, project.business_id), stages=STAGES,
        stage_names=project_messages.STAGE_NAMES, cases=cases,
        linkable=services.linkable_cases(db.session, g.staff, project),
        pickable=services.pickable_staff(db.session, g.staff),
        can_manage=g.staff.has_role(*services.MANAGE_ROLES))


@bp.post("/projects/<int:project_id>/officers")
@page(*services.MANAGE_ROLES)
@keeps_input("console.project_page")
def project_officer_add(project_id: int):
    form = OfficerForm.model_validate(form_data())
    services.add_officer(db.session, g.staff, project_id, form.staff_id, form.department, utcnow())
    return _done(messages.PROJECT_OFFICER_ADDED, project_id)


@bp.post("/projects/<int:project_id>/milestones")
@page()
@keeps_input("console.project_page")
def project_milestone_add(project_id: int):
    form = MilestoneForm.model_validate(form_data())
    services.add_milestone(db.session, g.staff, project_id, stage=form.stage.value, title=form.title,
                           target_on=form.target_on)
    return _done(messages.PROJECT_MILESTONE_ADDED, project_id)


@bp.post("/projects/<int:project_id>/milestones/<int:milestone_id>/cases")
@page()
@keeps_input("console.project_page")
def project_milestone_link(project_id: int, milestone_id: int):
    form = LinkCaseForm.model_validate(form_data())
    services.link_case(db.session, g.staff, project_id, milestone_id, form.application_id)
    return _done(messages.PROJECT_CASE_LINKED, project_id)


@bp.post("/projects/<int:project_id>/milestones/<int:milestone_id>/done")
@page()
@keeps_input("console.project_page")
def project_milestone_done(project_id: int, milestone_id: int):
    services.mark_done(db.session, g.staff, project_id, milestone_id, utcnow())
    return _done(messages.PROJECT_MILESTONE_DONE, project_id)
