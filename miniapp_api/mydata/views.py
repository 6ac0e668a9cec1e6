"""我的数据 and 查询记录: the citizen's copy of their data, and who looked at their records."""

from __future__ import annotations

from flask import Response, current_app, g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.mydata import access_log, services
from miniapp_api.mydata.models import ExportState
from miniapp_api.mydata.schemas import (
    AccessLogOut,
    AccessLogQuery,
    AccessOut,
    DataExportEnvelope,
    DataExportList,
    DataExportOut,
    ExportFilePath,
)
from miniapp_api.platform.auth import citizen_required
from miniapp_api.platform.clock import local_iso, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.rate_limits import DATA_EXPORTS_PER_CITIZEN, limiter, per_citizen
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.platform.storage import BlobMissing
from miniapp_api.platform.unit_of_work import read_only

bp = APIBlueprint("mydata", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="我的数据", description="A copy of one's personal data, and who viewed it")])
BEARER = [{"bearer": []}]


def _out(export) -> dict:
    secret = current_app.config["SECRET_KEY"]
    links = ({fmt: services.sign_link(secret, export, fmt) for fmt in services.FORMATS}
             if export.state == ExportState.DONE else {})
    return DataExportOut.of(export, links).model_dump(mode="json")


@bp.post("/me/data-exports", responses={202: DataExportEnvelope}, security=BEARER)
@citizen_required
@limiter.limit(DATA_EXPORTS_PER_CITIZEN, key_func=per_citizen)
def request_export():
    """Ask for a copy of one's data (PIPL art. 45): built shortly by a worker into a JSON file and a PDF, kept for
    24 hours. One at a time: 409 while one is pending."""
    return {"export": _out(services.request_export(db.session, g.citizen, utcnow()))}, 202


@bp.get("/me/data-exports", responses={200: DataExportList}, security=BEARER)
@citizen_required
@read_only
def list_exports():
    """The caller's exports, newest first, with their state and, when done, signed links to the files."""
    return {"exports": [_out(e) for e in services.exports_of(db.session, g.citizen.id)]}


@bp.get("/data-export-files/<token>", security=BEARER)
@citizen_required
@read_only
def download_export(path: ExportFilePath):
    """One file of a finished export: the link's signature names it, and only its owner gets it (anyone else:
    404); after 24 hours 410."""
    export, fmt = services.open_link(db.session, current_app.config["SECRET_KEY"], g.citizen.id, path.token,
                                     utcnow())
    try:
        data = current_app.extensions["banshi.storage"].get(services.file_key(export, fmt))
    except BlobMissing:
        raise services.not_found() from None
    response = Response(data, mimetype=services.FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="banshi-mydata-{export.id}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/me/access-log", responses={200: AccessLogOut}, security=BEARER)
@citizen_required
@read_only
def access_log_page(query: AccessLogQuery):
    """查询记录: which staff (masked name, role, centre) viewed the caller's records and when, newest first."""
    rows, total = access_log.accesses(db.session, g.citizen.id, query.page)
    return AccessLogOut(accesses=[AccessOut(at=local_iso(r.at) or "", what=r.what, staff_name=r.staff_name,
                                            role=r.role, centre=r.centre) for r in rows],
                        total=total, page=query.page,
                        has_more=query.page * access_log.PAGE_SIZE < total).model_dump(mode="json")
