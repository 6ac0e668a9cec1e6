"""重点项目帮办代办: key projects, their officers and milestones, the overdue sweep and who may see what.

Lateness is on plain calendar dates (Asia/Shanghai): a milestone's target date is a date in the project's plan
agreed with the enterprise, not a working-day time limit, so a milestone not done is overdue from the day after
its target date, weekends and holidays included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, selectinload

from miniapp_api.applications.models import Application
from miniapp_api.businesses import services as businesses
from miniapp_api.businesses.models import Business
from miniapp_api.platform.clock import chinese_date, local_date
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.projects import messages
from miniapp_api.projects.models import (
    COMPLETED,
    STAGES,
    KeyProject,
    ProjectMilestone,
    ProjectOfficer,
    project_milestone_case,
)
from miniapp_api.staff.models import Role, Staff, staff_centre
from miniapp_api.staff.services import audit, notice, require_centre, require_role, visible_centres

PROJECT_NOT_FOUND = "project_not_found"
MILESTONE_NOT_FOUND = "milestone_not_found"
ALREADY_DONE = "milestone_done"
ALREADY_LINKED = "case_already_linked"
MANAGE_ROLES = (Role.CENTRE_MANAGER,)       # create projects, name their lead official and officers
AUDIT_SUBJECT = "key_project"


# --- stages and lateness ---------------------------------------------------------------------------------


def is_overdue(milestone: ProjectMilestone, today: date) -> bool:
    return milestone.done_on is None and milestone.target_on < today


def current_stage(milestones: list[ProjectMilestone]) -> str:
    """The earliest stage (in 立项 → 竣工验收 order) with a milestone not done; `completed` when all are done;
    a project with no milestone yet is at 立项."""
    if not milestones:
        return STAGES[0].value
    open_stages = {m.stage for m in milestones if m.done_on is None}
    return next((stage.value for stage in STAGES if stage in open_stages), COMPLETED)


def overdue_count(milestones: list[ProjectMilestone], today: date) -> int:
    return sum(is_overdue(m, today) for m in milestones)


@dataclass(frozen=True)
class Dashboard:
    """Projects per current stage, and how many of them are late (have an overdue milestone)."""
    by_stage: dict[str, int]
    late_by_stage: dict[str, int]
    projects: list[KeyProject]


def dashboard(session: Session, staff: Staff, today: date) -> Dashboard:
    projects = staff_projects(session, staff)
    stages = [*(s.value for s in STAGES), COMPLETED]
    by_stage, late = dict.fromkeys(stages, 0), dict.fromkeys(stages, 0)
    for project in projects:
        stage = current_stage(project.milestones)
        by_stage[stage] += 1
        late[stage] += overdue_count(project.milestones, today) > 0
    projects.sort(key=lambda p: (-overdue_count(p.milestones, today), p.id))
    return Dashboard(by_stage, late, projects)


# --- who sees a project ----------------------------------------------------------------------------------


def _staff_scope(staff: Staff):
    """Projects of the staff member's centres (and those below), or of which they are lead official or officer."""
    if Role.ADMIN in staff.roles:
        return True
    return or_(KeyProject.centre_id.in_(visible_centres(staff)), KeyProject.lead_staff_id == staff.id,
               exists().where(ProjectOfficer.project_id == KeyProject.id, ProjectOfficer.staff_id == staff.id))


def staff_projects(session: Session, staff: Staff) -> list[KeyProject]:
    return list(session.scalars(select(KeyProject).where(_staff_scope(staff))
                                .options(selectinload(KeyProject.milestones), selectinload(KeyProject.officers))
                                .order_by(KeyProject.id)))


def staff_project(session: Session, staff: Staff, project_id: int, *, lock: bool = False) -> KeyProject:
    statement = select(KeyProject).where(KeyProject.id == project_id, _staff_scope(staff))
    if lock:
        statement = statement.with_for_update(of=KeyProject)
    project = session.scalars(statement).one_or_none()
    if project is None:
        raise NotFound(messages.PROJECT_NOT_FOUND, code=PROJECT_NOT_FOUND)
    return project


def business_projects(session: Session, citizen_id: int, business_id: int, now: datetime) -> list[KeyProject]:
    """The enterprise's projects, for someone acting for it now (404 for anyone else, and once their link ended)."""
    businesses.own_business(session, citizen_id, business_id, now)
    return list(session.scalars(select(KeyProject).where(KeyProject.business_id == business_id)
                                .options(selectinload(KeyProject.milestones)).order_by(KeyProject.id)))


# --- console changes -------------------------------------------------------------------------------------


def _staff_of_scope(session: Session, staff: Staff, staff_id: int) -> Staff:
    """An active staff member of the caller's centres (a lead official or officer is picked among them)."""
    found = session.scalars(select(Staff).join(staff_centre, staff_centre.c.staff_id == Staff.id).where(
        Staff.id == staff_id, Staff.active.is_(True), staff_centre.c.centre_id.in_(visible_centres(staff)))
        .limit(1)).one_or_none()
    if found is None:
        raise DomainError(messages.STAFF_NOT_FOUND, code="staff_not_found", status=422,
                          fields={"staff_id": messages.STAFF_NOT_FOUND})
    return found


def pickable_staff(session: Session, staff: Staff) -> list[Staff]:
    return list(session.scalars(select(Staff).where(Staff.active.is_(True), Staff.id.in_(
        select(staff_centre.c.staff_id).where(staff_centre.c.centre_id.in_(visible_centres(staff)))))
        .order_by(Staff.display_name, Staff.id)))


def create_project(session: Session, staff: Staff, *, name: str, credit_code: str, centre_id: int,
                   investment_wan: int, location: str, lead_staff_id: int) -> KeyProject:
    require_role(staff, *MANAGE_ROLES)
    require_centre(session, staff, centre_id)
    business = session.scalars(select(Business).where(Business.credit_code == credit_code)).one_or_none()
    if business is None:
        raise DomainError(messages.BUSINESS_NOT_FOUND, code="business_not_found", status=422,
                          fields={"credit_code": messages.BUSINESS_NOT_FOUND})
    lead = _staff_of_scope(session, staff, lead_staff_id)
    project = KeyProject(name=name, business_id=business.id, centre_id=centre_id, investment_wan=investment_wan,
                         location=location, lead_staff_id=lead.id)
    session.add(project)
    session.flush()
    audit(session, staff, "project.create", AUDIT_SUBJECT, project.id, business_id=business.id, lead=lead.id)
    return project


def add_officer(session: Session, staff: Staff, project_id: int, officer_id: int, department: str,
                now: datetime) -> ProjectOfficer:
    require_role(staff, *MANAGE_ROLES)
    project = staff_project(session, staff, project_id, lock=True)
    officer = _staff_of_scope(session, staff, officer_id)
    row = session.get(ProjectOfficer, (project.id, officer.id))
    if row is None:
        row = ProjectOfficer(project_id=project.id, staff_id=officer.id, department=department, added_at=now)
        project.officers.append(row)
    else:
        row.department = department
    session.flush()
    audit(session, staff, "project.officer", AUDIT_SUBJECT, project.id, officer=officer.id)
    return row


def add_milestone(session: Session, staff: Staff, project_id: int, *, stage: str, title: str,
                  target_on: date) -> ProjectMilestone:
    project = staff_project(session, staff, project_id, lock=True)
    milestone = ProjectMilestone(project_id=project.id, stage=stage, title=title, target_on=target_on,
                                 position=len(project.milestones))
    project.milestones.append(milestone)
    session.flush()
    audit(session, staff, "project.milestone", AUDIT_SUBJECT, project.id, milestone=milestone.id)
    return milestone


def _milestone(session: Session, staff: Staff, project_id: int, milestone_id: int) -> tuple[KeyProject,
                                                                                                ProjectMilestone]:
    project = staff_project(session, staff, project_id)
    milestone = session.scalars(select(ProjectMilestone).where(
        ProjectMilestone.id == milestone_id, ProjectMilestone.project_id == project.id)
        .with_for_update()).one_or_none()
    if milestone is None:
        raise NotFound(messages.MILESTONE_NOT_FOUND, code=MILESTONE_NOT_FOUND)
    return project, milestone


def linkable_cases(session: Session, staff: Staff, project: KeyProject) -> list[Application]:
    """The enterprise's cases at the caller's centres: the picker when linking a case to a milestone."""
    business = session.get(Business, project.business_id)
    return list(session.scalars(select(Application).where(
        Application.credit_code == business.credit_code, Application.centre_id.in_(visible_centres(staff)))
        .order_by(Application.id.desc()).limit(200)))


def link_case(session: Session, staff: Staff, project_id: int, milestone_id: int, application_id: int) -> None:
    project, milestone = _milestone(session, staff, project_id, milestone_id)
    if application_id not in {a.id for a in linkable_cases(session, staff, project)}:
        raise DomainError(messages.CASE_NOT_FOUND, code="case_not_found", status=422,
                          fields={"application_id": messages.CASE_NOT_FOUND})
    linked = session.execute(select(project_milestone_case).where(
        project_milestone_case.c.milestone_id == milestone.id,
        project_milestone_case.c.application_id == application_id)).first()
    if linked is not None:
        raise DomainError(messages.ALREADY_LINKED, code=ALREADY_LINKED, status=409)
    session.execute(project_milestone_case.insert().values(milestone_id=milestone.id, application_id=application_id))
    audit(session, staff, "project.link_case", AUDIT_SUBJECT, project.id, milestone=milestone.id,
          application=application_id)


def mark_done(session: Session, staff: Staff, project_id: int, milestone_id: int, now: datetime) -> ProjectMilestone:
    project, milestone = _milestone(session, staff, project_id, milestone_id)
    if milestone.done_on is not None:
        raise DomainError(messages.ALREADY_DONE, code=ALREADY_DONE, status=409)
    milestone.done_on, milestone.done_by_staff_id = local_date(now), staff.id
    session.flush()
    audit(session, staff, "project.milestone_done", AUDIT_SUBJECT, project.id, milestone=milestone.id)
    return milestone


def cases_of(session: Session, milestone_ids: list[int]) -> dict[int, list[Application]]:
    found: dict[int, list[Application]] = {i: [] for i in milestone_ids}
    for milestone_id, application in session.execute(
            select(project_milestone_case.c.milestone_id, Application)
            .join(Application, Application.id == project_milestone_case.c.application_id)
            .where(project_milestone_case.c.milestone_id.in_(milestone_ids)).order_by(Application.id)).tuples():
        found[milestone_id].append(application)
    return found


# --- the overdue sweep (督办) ------------------------------------------------------------------------------


def overdue_sweep(session: Session, now: datetime, *, limit: int = 5000) -> int:
    """Marks each milestone past its target date and not done, and tells its project's lead official and
    officers in the console. Once per milestone: the mark is set in the same transaction as the notices (which
    also carry a dedupe key), and rows another sweep holds are skipped."""
    today = local_date(now)
    rows = list(session.scalars(select(ProjectMilestone).where(
        ProjectMilestone.done_on.is_(None), ProjectMilestone.overdue_noticed_at.is_(None),
        ProjectMilestone.target_on < today).order_by(ProjectMilestone.id)
        .with_for_update(skip_locked=True).limit(limit)))
    for milestone in rows:
        project = session.get(KeyProject, milestone.project_id)
        people = [project.lead_staff_id, *(o.staff_id for o in project.officers)]
        notice(session, people, kind="escalate", subject=("key_project", project.id),
               text=messages.STAFF_OVERDUE.format(project=project.name, title=milestone.title,
                                                  stage=messages.STAGE_NAMES[milestone.stage],
                                                  due=chinese_date(milestone.target_on)),
               dedupe=f"project-milestone:{milestone.id}:overdue")
        milestone.overdue_noticed_at = now
    session.flush()
    return len(rows)
