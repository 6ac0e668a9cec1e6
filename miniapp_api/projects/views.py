"""The enterprise's key projects in the mini-program: the timeline per stage, for whoever acts for it now."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.platform.auth import citizen_required
from miniapp_api.platform.clock import local_date, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.platform.unit_of_work import read_only
from miniapp_api.projects import services
from miniapp_api.projects.schemas import BusinessProjectsPath, ProjectList, ProjectOut

bp = APIBlueprint("projects", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="重点项目", description="A business's key projects and their milestones")])
BEARER = [{"bearer": []}]


@bp.get("/businesses/<int:business_id>/projects", responses={200: ProjectList}, security=BEARER)
@citizen_required
@read_only
def business_projects(path: BusinessProjectsPath):
    """重点项目: the business's projects with each stage's milestones, target dates, lateness and linked cases;
    only for its representative or an agent whose link is in force (anyone else: not found)."""
    now = utcnow()
    projects = services.business_projects(db.session, g.citizen.id, path.business_id, now)
    cases = services.cases_of(db.session, [m.id for p in projects for m in p.milestones])
    return ProjectList(projects=[ProjectOut.of(p, local_date(now), cases) for p in projects]).model_dump(mode="json")
