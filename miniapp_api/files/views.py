"""Files: upload (multipart, as wx.uploadFile sends it), the citizen's and staff's signed links, the bytes."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.files import services
from miniapp_api.files.schemas import FileEnvelope, FileOut, FilePath, UploadForm
from miniapp_api.files.services import sign_link
from miniapp_api.platform.auth import STAFF_BEARER, citizen_required, staff_required
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.rate_limits import UPLOADS_PER_CITIZEN, limiter, per_citizen
from miniapp_api.platform.schemas import ERROR_RESPONSES

UPLOAD_PATH = "/api/v1/files"

bp = APIBlueprint("files", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="文件", description="Uploads: checked by content, images without EXIF")])
staff_bp = APIBlueprint("staff_files", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                        abp_tags=[Tag(name="文件（工作人员）", description="Files attached to a centre's records")])
# The bytes behind a signed link: no bearer header (an <image src> cannot send one), the signature is the key.
links_bp = Blueprint("file_links", __name__)


def storage():
    return current_app.extensions["banshi.storage"]


def signed(stored) -> dict:
    link = sign_link(current_app.config["SECRET_KEY"], stored, utcnow(), current_app.config["FILE_LINK_SECONDS"])
    return FileOut.of(stored, link).model_dump(mode="json")


@bp.post("/files", responses={201: FileEnvelope}, security=[{"bearer": []}])
@citizen_required
@limiter.limit(UPLOADS_PER_CITIZEN, key_func=per_citizen)
def upload(form: UploadForm):
    """Upload one file. Images come back re-encoded without EXIF (GPS); a PDF must open and have no password.
    Uploading the same file again returns the same record."""
    stored = services.store(db.session, storage(), g.citizen, form.file.read(), form.purpose, utcnow())
    return {"file": signed(stored)}, 201


@bp.get("/files/<int:file_id>", responses={200: FileEnvelope}, security=[{"bearer": []}])
@citizen_required
def show(path: FilePath):
    """One of the caller's files, or of a relative who lets them view their records, with a fresh link."""
    return {"file": signed(services.for_citizen(db.session, g.citizen, path.file_id, utcnow()))}


@staff_bp.get("/files/<int:file_id>", responses={200: FileEnvelope}, security=STAFF_BEARER)
@staff_required
def staff_show(path: FilePath):
    """A file attached to a record of one of the caller's centres (audit-logged), with a fresh link."""
    return {"file": signed(services.for_staff(db.session, g.staff, path.file_id))}


@links_bp.get("/files/<token>")
def download(token: str):
    stored = services.open_link(db.session, current_app.config["SECRET_KEY"], token, utcnow())
    data = services.read_bytes(storage(), stored)
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(stored.content_type, "bin")
    response = Response(data, mimetype=stored.content_type)
    response.headers["Content-Disposition"] = f'inline; filename="file-{stored.id}.{extension}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["ETag"] = f'"{stored.sha256}"'
    return response
