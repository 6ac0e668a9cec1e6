"""Console pages for casework: applications (收件, state changes, 容缺), feedback inbox, 差评 rectifications."""

from __future__ import annotations

import re

from flask import current_app, flash, g, redirect, render_template, request, url_for
from pydantic import ValidationError
from sqlalchemy import select

from miniapp_api.applications import promises
from miniapp_api.applications import services as applications
from miniapp_api.applications.messages import STATUS_NAMES
from miniapp_api.applications.models import TRANSITIONS, ApplicationStatus
from miniapp_api.applications.schemas import AdvanceIn, ApplicationSummary, IntakeIn
from miniapp_api.applications.staff_views import HANDLERS as APPLICATION_HANDLERS
from miniapp_api.applications.staff_views import staff_document as application_document
from miniapp_api.centres.services import ITEM_NOT_AT_CENTRE, ITEM_NOT_FOUND
from miniapp_api.certificates import services as certificates
from miniapp_api.certificates.models import Certificate
from miniapp_api.console import messages, queries
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.forms import keeps_input
from miniapp_api.feedback import services as feedback
from miniapp_api.feedback.schemas import AnswerIn, FeedbackOut
from miniapp_api.feedback.staff_views import FEEDBACK_ROLES
from miniapp_api.feedback.staff_views import staff_document as feedback_document
from miniapp_api.files import services as files
from miniapp_api.files.models import StoredFile
from miniapp_api.filing import services as filing
from miniapp_api.inspections import services as inspections
from miniapp_api.inspections.models import Inspection
from miniapp_api.platform.auth import field_cipher, signing_keys
from miniapp_api.platform.clock import local_date, local_iso, today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import VALIDATION_FAILED, DomainError, NotFound, field_errors
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn
from miniapp_api.ratings import rectifications
from miniapp_api.ratings.messages import EVENT_NAMES as RECTIFICATION_EVENTS
from miniapp_api.ratings.schemas import FixIn, RectificationOut, VerifyIn
from miniapp_api.ratings.views import HANDLERS as RECTIFICATION_HANDLERS
from miniapp_api.staff import permissions
from miniapp_api.staff.services import require_centre, staff_of_centre


def form_data(*multiline: str, many: tuple[str, ...] = ()) -> dict:
    """The posted form as a dict: blank fields are absent, textareas named in `multiline` become lists of lines,
    fields named in `many` (checkbox groups) lists of their values (empty when none is ticked)."""
    data: dict = {name: [v for v in request.form.getlist(name) if v.strip()] for name in many}
    for key, value in request.form.items():
        if key == "csrf_token" or key in many or not value.strip():
            continue
        data[key] = [line.strip() for line in value.splitlines() if line.strip()] if key in multiline else value
    return data


def split_applicant(data: dict) -> dict:
    """The intake forms' applicant_* fields taken out of `data` as the applicant's own dict (applicant_name →
    name), the shape IntakeIn and the 代办点's intake expect."""
    return {key.removeprefix("applicant_"): data.pop(key) for key in list(data) if key.startswith("applicant_")}


def done(message: str, endpoint: str, **values):
    flash(message, "info")
    return redirect(url_for(endpoint, **values), code=303)


# --- applications ---------------------------------------------------------------------------------


class ApplicationFilter(QueryModel):
    status: ApplicationStatus | None = None
    overdue: bool = False
    materials_overdue: bool = False
    centre_id: Id | None = None


def _summaries(filters: applications.StaffFilter) -> list[dict]:
    now = utcnow()
    day = local_date(now)
    return [ApplicationSummary.fields_of(a, day) | {"materials_owed": sum(1 for m in a.materials if not m.received_at)}
            for a in applications.staff_applications(db.session, g.staff, filters, now)]


@bp.get("/applications")
@page()
def application_list():
    query = ApplicationFilter.model_validate(request.args.to_dict())
    rows = _summaries(applications.StaffFilter(
        centre_id=query.centre_id, status=query.status.value if query.status else None, overdue=query.overdue,
        materials_overdue=query.materials_overdue, limit=100))
    return render_template("console/applications.html", rows=rows, query=query, status_names=STATUS_NAMES)


@bp.get("/materials")
@page()
def materials_outstanding():
    """容缺受理 cases still owing materials, the ones past their promised date first."""
    rows = _summaries(applications.StaffFilter(status=ApplicationStatus.ACCEPTED_PENDING_MATERIALS, limit=200))
    rows = sorted((r for r in rows if r["materials_owed"]), key=lambda r: (not r["overdue"], r["due_on"] or ""))
    return render_template("console/materials.html", rows=rows)


@bp.get("/applications/<reference>")
@page()
def application_page(reference: str):
    application = applications.staff_view(db.session, g.staff, reference)  # audit-logged: personal data
    document = application_document(application)
    targets = sorted(TRANSITIONS[ApplicationStatus(application.status)], key=list(ApplicationStatus).index)
    return render_template("console/application.html", a=document, targets=targets, status_names=STATUS_NAMES,
                           may_act=g.staff.has_role(*APPLICATION_HANDLERS), online=_online_form(reference),
                           inspection=_inspection_of(application), promises=promises.promises_of(application),
                           revoked=promises.revocation_of(application),
                           revocable=application.status in promises.REVOCABLE,
                           sealed=_sealed_conclusion(application, document["timeline"]),
                           answered={m.id: file_links(m.files) for m in application.materials if m.files})


def _inspection_of(application) -> dict | None:
    """远程踏勘 on the case page: the scheduled or signed one, or the free times to schedule it in."""
    if inspections.checklist_for(application.item.name) is None or not g.staff.has_role(*permissions.INSPECTION):
        return None
    found = db.session.scalars(select(Inspection).where(Inspection.application_id == application.id)).one_or_none()
    return {"inspection": found, "slots": [] if found else [
        s for s in inspections.free_slots(db.session, g.staff, utcnow()) if s.centre_id == application.centre_id]}


def _sealed_conclusion(application, timeline: list[dict]) -> dict | None:
    """The concluded 远程踏勘's seal, checked now, and which timeline line its conclusion wrote: the last one at
    its instant that passed the inspection or returned the case to 补正."""
    found = db.session.scalars(select(Inspection).where(Inspection.application_id == application.id,
                                                        Inspection.status == "concluded")).one_or_none()
    seal = inspections.seal_of(signing_keys(), found) if found is not None else None
    if seal is None:
        return None
    at = local_iso(found.signed_at)
    lines = [index for index, e in enumerate(timeline)
             if e["at"] == at and (e["kind"] == "inspection" or e["status"] == ApplicationStatus.NEEDS_CORRECTION)]
    return {"line": lines[-1] if lines else None, "text": seal.text, "verified": seal.verified}


def file_links(ids: list[int]) -> list[dict]:
    """Signed links to files of a case the page already showed the caller may see."""
    now, seconds, secret = utcnow(), current_app.config["FILE_LINK_SECONDS"], current_app.config["SECRET_KEY"]
    rows = db.session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)).order_by(StoredFile.id))
    return [{"id": f.id, "kind": f.kind, "url": files.sign_link(secret, f, now, seconds).url}
            for f in rows]


def _online_form(reference: str) -> dict | None:
    """网上申报: what the applicant filled, uploaded and promised, for 预审 (None for a counter case)."""
    try:
        found = filing.for_staff(db.session, field_cipher(), g.staff, reference)
    except NotFound:
        return None
    online = found.filing
    labels = [(label, found.values[key]) for key, label in filing.labels_for(found).items() if key in found.values]
    return {"values": labels, "deferred": [n for n in online.deferred if n in found.materials],
            "promise": online.promise_text, "delivery": online.delivery, "mail": found.mail,
            "bundle": found.bundle, "promises": filing.staff_promises(found),
            "materials": [{"name": name, "key": key, "files": file_links(online.materials.get(name, []))}
                          for name, key in found.materials.items()]}


@bp.post("/applications/<reference>/advance")
@page(*APPLICATION_HANDLERS)
@keeps_input("console.application_page")
def application_advance(reference: str):
    application = applications.staff_application(db.session, g.staff, reference, lock=True)
    data = form_data("missing_materials", "corrections")
    # 补正: one line per material, "材料名：原因".
    data["corrections"] = [dict(zip(("name", "note"), re.split(r"[:：]", line, maxsplit=1), strict=False))
                           for line in data.get("corrections", [])]
    body = AdvanceIn.model_validate(data)
    applications.advance(db.session, g.staff, application, body.to_advance(), utcnow())
    return done(messages.APPLICATION_MOVED.format(status=STATUS_NAMES[body.to.value]), "console.application_page", reference=reference)


@bp.post("/applications/<reference>/revoke-approval")
@page(*APPLICATION_HANDLERS)
@keeps_input("console.application_page")
def application_revoke_approval(reference: str):
    """审管联动: the check after a 告知承诺 approval found the promise untrue — revoke, with the reason (the
    applicant reads it in the timeline and is told). Staff of the case's own centre; a ticked confirmation."""
    reason = (request.form.get("reason") or "").strip()
    if not 4 <= len(reason) <= 200:
        raise DomainError(messages.APPROVAL_REVOKE_REASON_NEEDED, code=VALIDATION_FAILED, status=422,
                          fields={"reason": messages.APPROVAL_REVOKE_REASON_NEEDED})
    if request.form.get("confirm") != "true":
        raise DomainError(messages.APPROVAL_REVOKE_CONFIRM_NEEDED, code=VALIDATION_FAILED, status=422,
                          fields={"confirm": messages.APPROVAL_REVOKE_CONFIRM_NEEDED})
    now = utcnow()
    application = promises.revoke_approval(db.session, g.staff, reference, reason, now)
    for certificate in db.session.scalars(select(Certificate).where(Certificate.application_id == application.id,
                                                                    Certificate.status == "valid")):
        certificates.revoke(db.session, g.staff, certificate, reason, now)   # the licence it issued ends too
    return done(messages.APPROVAL_REVOKED, "console.application_page", reference=reference)


@bp.post("/applications/<reference>/materials/<int:material_id>/received")
@page(*APPLICATION_HANDLERS)
@keeps_input("console.application_page")
def material_received(reference: str, material_id: int):
    application = applications.staff_application(db.session, g.staff, reference, lock=True)
    applications.receive_material(db.session, g.staff, application, material_id, utcnow())
    return done(messages.MATERIAL_RECEIVED, "console.application_page", reference=reference)


INTAKE_FIELDS = ("centre_id", "item_code", "applicant_type", "applicant_name", "applicant_id_number",
                 "applicant_credit_code", "applicant_phone")


def intake_errors(exc: ValidationError, applicant_type: str) -> dict[str, str]:
    """The form's field names for the schema's paths (applicant.name → applicant_name; the applicant's own
    rule, an ID number or a credit code missing, at the field that is missing)."""
    errors = {}
    for path, text in field_errors(exc).items():
        if path == "applicant":
            path = "applicant.credit_code" if applicant_type == "business" else "applicant.id_number"
        errors.setdefault(path.replace(".", "_") if path.startswith("applicant.") else path.split(".")[0], text)
    return errors


def _intake_page(centres, *, typed: dict | None = None, errors: dict[str, str] | None = None, status: int = 200):
    return render_template("console/intake.html", centres=centres, typed=typed or {}, errors=errors or {},
                           items=queries.items_at(db.session, {c.id for c in centres})), status


@bp.route("/applications/new", methods=["GET", "POST"])
@page(*APPLICATION_HANDLERS)
def application_intake():
    """窗口收件: the item picked from the items the staff member's centres handle (by name or code). A refusal is
    answered on the same page with the message at its field and what was typed still there."""
    centres = queries.centres_of(db.session, g.staff)
    if request.method == "GET":
        return _intake_page(centres)
    typed = {key: request.form.get(key, "") for key in INTAKE_FIELDS}
    data = form_data()
    applicant = split_applicant(data)
    try:
        body = IntakeIn.model_validate(data | {"applicant": applicant})
    except ValidationError as exc:
        return _intake_page(centres, typed=typed, errors=intake_errors(exc, typed["applicant_type"]), status=422)
    require_centre(db.session, g.staff, body.centre_id)
    try:
        application = applications.intake(db.session, field_cipher(), g.staff, item_code=body.item_code,
                                          centre_id=body.centre_id, applicant=body.applicant.to_applicant(),
                                          now=utcnow())
    except DomainError as exc:
        return _intake_page(centres, typed=typed, errors=item_refusal(exc), status=422)
    return done(messages.APPLICATION_TAKEN_IN.format(reference=application.reference), "console.application_page",
                reference=application.reference)


def item_refusal(exc: DomainError) -> dict[str, str]:
    """An item code no item has, or one the centre does not handle, at the item field (422, like a bad value);
    any other refusal goes to the error page as before."""
    if exc.code not in (ITEM_NOT_FOUND, ITEM_NOT_AT_CENTRE):
        raise exc
    return {"item_code": exc.fields.get("item_code", exc.message) if exc.fields else exc.message}


# --- feedback -------------------------------------------------------------------------------------


@bp.get("/feedback")
@page(*FEEDBACK_ROLES)
def feedback_inbox():
    day = today()
    rows = [FeedbackOut.of(f, day) for f in feedback.staff_inbox(db.session, g.staff, status=None, triage=False,
                                                                   mine=request.args.get("mine") == "true",
                                                                   limit=200)]
    return render_template("console/feedback_inbox.html", rows=rows)


def _feedback_action(feedback_id: int, action, message: str):
    """Act on a complaint the caller may handle (locked), then back to its page (the request commits)."""
    action(feedback.staff_feedback(db.session, g.staff, feedback_id, lock=True))
    return done(message, "console.feedback_page", feedback_id=feedback_id)


@bp.get("/feedback/<int:feedback_id>")
@page(*FEEDBACK_ROLES)
def feedback_page(feedback_id: int):
    item = feedback.staff_feedback(db.session, g.staff, feedback_id)
    document = feedback_document(item)  # audit-logged
    handlers = staff_of_centre(db.session, item.centre_id, *FEEDBACK_ROLES) if item.centre_id else []
    return render_template("console/feedback.html", f=document, handlers=handlers)


@bp.post("/feedback/<int:feedback_id>/claim")
@page(*FEEDBACK_ROLES)
@keeps_input("console.feedback_page")
def feedback_claim(feedback_id: int):
    return _feedback_action(feedback_id, lambda f: feedback.assign(db.session, g.staff, f, g.staff.id, utcnow()),
                            messages.FEEDBACK_CLAIMED)


class AssignForm(StrictIn):
    staff_id: Id


@bp.post("/feedback/<int:feedback_id>/assign")
@page(*permissions.FEEDBACK_REASSIGN)
@keeps_input("console.feedback_page")
def feedback_assign(feedback_id: int):
    """转派: a manager hands the case to a handler of its centre."""
    def assign(item):
        assignee_id = AssignForm.model_validate(form_data()).staff_id
        feedback.assign(db.session, g.staff, item, assignee_id, utcnow())

    return _feedback_action(feedback_id, assign, messages.FEEDBACK_ASSIGNED)


@bp.post("/feedback/<int:feedback_id>/answer")
@page(*FEEDBACK_ROLES)
@keeps_input("console.feedback_page")
def feedback_answer(feedback_id: int):
    def answer(item):
        body = AnswerIn.model_validate(form_data())
        feedback.answer(db.session, g.staff, item, body.answer, body.internal_note, utcnow())

    return _feedback_action(feedback_id, answer, messages.FEEDBACK_ANSWERED)


# --- rectifications (差评整改) ---------------------------------------------------------------------


@bp.get("/rectifications")
@page(*RECTIFICATION_HANDLERS)
def rectification_list():
    rows = [RectificationOut.of(r, staff_view=True) for r in rectifications.staff_rectifications(
        db.session, g.staff, status=request.args.get("status") or None, overdue=False, limit=200, now=utcnow())]
    return render_template("console/rectifications.html", rows=rows, today=today().isoformat())


@bp.get("/rectifications/<int:rectification_id>")
@page(*RECTIFICATION_HANDLERS)
def rectification_page(rectification_id: int):
    rectification = rectifications.staff_rectification(db.session, g.staff, rectification_id)
    return render_template("console/rectification.html", r=RectificationOut.of(rectification, staff_view=True),
                           event_names=RECTIFICATION_EVENTS)


def _rectification_action(rectification_id: int, action, message: str):
    """Act on a rectification the caller may handle, then back to its page (the request commits)."""
    action(rectifications.staff_rectification(db.session, g.staff, rectification_id))
    return done(message, "console.rectification_page", rectification_id=rectification_id)


@bp.post("/rectifications/<int:rectification_id>/verify")
@page(*RECTIFICATION_HANDLERS)
@keeps_input("console.rectification_page")
def rectification_verify(rectification_id: int):
    return _rectification_action(
        rectification_id, lambda r: rectifications.verify(g.staff, r, VerifyIn.model_validate(form_data()).note,
                                                          utcnow()),
        messages.RECTIFICATION_VERIFIED)


@bp.post("/rectifications/<int:rectification_id>/fix")
@page(*RECTIFICATION_HANDLERS)
@keeps_input("console.rectification_page")
def rectification_fix(rectification_id: int):
    def fix(rectification):
        body = FixIn.model_validate(form_data())
        rectifications.fix(db.session, g.staff, rectification, body.category, body.reply, utcnow())

    return _rectification_action(rectification_id, fix, messages.RECTIFICATION_FIXED)
