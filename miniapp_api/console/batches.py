"""Console pages for 批量办理: upload a company's member list (XLSX or CSV) — checked whole, errors by row and
column, nothing created from a bad list — then watch the worker create the members (a progress bar that
refreshes itself, no script), and move them all, or one by one, through the usual steps."""

from __future__ import annotations

from flask import g, render_template, request
from pydantic import Field, ValidationError
from sqlalchemy import select

from miniapp_api.applications import batches
from miniapp_api.applications import services as applications
from miniapp_api.applications.member_lists import MemberListInvalid, parse
from miniapp_api.applications.messages import STATUS_NAMES
from miniapp_api.applications.models import ApplicationBatch, ApplicationStatus
from miniapp_api.applications.schemas import AdvanceIn
from miniapp_api.applications.staff_views import HANDLERS as APPLICATION_HANDLERS
from miniapp_api.console import messages, queries
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import done, file_links, form_data, item_refusal
from miniapp_api.console.forms import keeps_input
from miniapp_api.files import services as files
from miniapp_api.platform.auth import field_cipher
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import DomainError, field_errors
from miniapp_api.platform.schemas import Id, StrictIn
from miniapp_api.staff.services import visible_centre_ids

MAX_LIST_BYTES = 900_000


class BatchForm(StrictIn):
    centre_id: Id
    item_code: str = Field(min_length=1, max_length=32)
    title: str = Field(min_length=2, max_length=80)
    business_name: str = Field(min_length=2, max_length=80)
    credit_code: str | None = Field(default=None, min_length=18, max_length=18)
    member_kind: str = Field(pattern="^(person|business)$")


@bp.get("/batches")
@page()
def batch_list():
    rows = db.session.scalars(select(ApplicationBatch).where(
        ApplicationBatch.centre_id.in_(visible_centre_ids(db.session, g.staff)))
        .order_by(ApplicationBatch.id.desc()).limit(100)).all()
    return render_template("console/batches.html", batches=rows)


def _new_page(centres, *, form: dict | None = None, problems=(), error: str | None = None,
              errors: dict[str, str] | None = None, status: int = 200):
    return render_template("console/batch_new.html", centres=centres, problems=list(problems), error=error,
                           form=form or {}, typed=form or {}, errors=errors or {},
                           items=queries.items_at(db.session, {c.id for c in centres})), status


@bp.route("/batches/new", methods=["GET", "POST"])
@page(*APPLICATION_HANDLERS)
def batch_new():
    centres = queries.centres_of(db.session, g.staff)
    if request.method == "GET":
        return _new_page(centres)
    data = form_data()
    upload = request.files.get("members")
    content = upload.read(MAX_LIST_BYTES + 1) if upload else b""
    try:
        body = BatchForm.model_validate(data)
        if not content:
            raise MemberListInvalid([], messages.MEMBER_LIST_NEEDED)
        if len(content) > MAX_LIST_BYTES:
            raise MemberListInvalid([], messages.MEMBER_LIST_TOO_BIG)
        members = parse(upload.filename or "", content, body.member_kind)
    except MemberListInvalid as refused:
        return _new_page(centres, form=data, problems=refused.problems, error=refused.message, status=422)
    except ValidationError as exc:
        errors = {k.split(".")[0]: v for k, v in field_errors(exc).items()}
        return _new_page(centres, form=data, error=messages.BATCH_FORM_INVALID, errors=errors, status=422)
    try:
        batch = batches.queue_batch(db.session, field_cipher(), g.staff, item_code=body.item_code,
                                    centre_id=body.centre_id, title=body.title, business_name=body.business_name,
                                    credit_code=body.credit_code, members=members, now=utcnow())
    except DomainError as exc:
        return _new_page(centres, form=data, error=messages.BATCH_FORM_INVALID, errors=item_refusal(exc), status=422)
    return done(messages.BATCH_QUEUED.format(count=len(members)), "console.batch_page", reference=batch.reference)


@bp.get("/batches/<reference>")
@page()
def batch_page(reference: str):
    batch = applications.staff_batch(db.session, g.staff, reference)
    members = applications.batch_members(db.session, batch.id)
    progress = applications.batch_progress(db.session, batch.id)
    targets = sorted({t for m in members for t in applications.TRANSITIONS[ApplicationStatus(m.status)]},
                     key=list(ApplicationStatus).index)
    # 分支机构批量变更 filed online: the one set of materials every branch shares.
    shared = file_links([f.id for f in files.files_of(db.session, ("batch", batch.id))]) if batch.business_id else []
    return render_template("console/batch.html", batch=batch, members=members, progress=progress,
                           status_names=STATUS_NAMES, targets=targets, shared=shared,
                           may_act=g.staff.has_role(*APPLICATION_HANDLERS))


@bp.post("/batches/<reference>/advance")
@page(*APPLICATION_HANDLERS)
@keeps_input("console.batch_page")
def batch_advance(reference: str):
    batch = applications.staff_batch(db.session, g.staff, reference)
    data = form_data("missing_materials")
    only_from = data.pop("only_from", None)
    body = AdvanceIn.model_validate(data)
    count = applications.advance_batch(db.session, g.staff, batch, body.to_advance(), utcnow(), only_from=only_from)
    return done(messages.BATCH_MOVED.format(count=count, status=STATUS_NAMES[body.to.value]), "console.batch_page",
                reference=reference)
