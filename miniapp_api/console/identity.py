"""Console pages for identity: recording a signed paper authorisation (亲友代办), velocity alerts."""

from __future__ import annotations

from flask import g, render_template, request
from pydantic import Field

from miniapp_api.console import messages, queries
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import done, form_data
from miniapp_api.console.forms import keeps_input
from miniapp_api.identity import messages as identity_messages
from miniapp_api.identity import services as identity
from miniapp_api.platform.auth import field_cipher
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.privacy import mask_id_number
from miniapp_api.platform.schemas import Id, StrictIn
from miniapp_api.staff import permissions
from miniapp_api.staff.services import require_centre

HALL_STAFF = permissions.RELATIVE_PAPER


class PaperAuthorisationIn(StrictIn):
    code: str = Field(min_length=6, max_length=12)
    paper_ref: str = Field(min_length=1, max_length=120)
    centre_id: Id


@bp.get("/relatives")
@page(*HALL_STAFF)
def relative_authorisation():
    """Look up a relative's request by its code before recording the paper that authorises it."""
    return _relatives_page(request.args.get("code", ""))


def _relatives_page(code: str):
    code, pending = code.strip(), None
    if code:
        authorisation = identity.pending_for_staff(db.session, code, utcnow())
        pending = {"principal_name": authorisation.principal_name, "relation": authorisation.relation,
                   "principal_id": mask_id_number(field_cipher().decrypt(
                       authorisation.principal_id_enc, context=identity.PRINCIPAL_ID_CONTEXT)),
                   "scopes": "、".join(identity_messages.SCOPE_NAMES[s] for s in authorisation.scopes),
                   "valid_days": authorisation.valid_days}
    return render_template("console/relatives.html", code=code, pending=pending,
                           centres=queries.centres_of(db.session, g.staff))


@bp.post("/relatives")
@page(*HALL_STAFF)
@keeps_input(lambda: _relatives_page(request.form.get("code", "")))
def record_relative_authorisation():
    body = PaperAuthorisationIn.model_validate(form_data())
    require_centre(db.session, g.staff, body.centre_id)
    authorisation = identity.record_paper_authorisation(db.session, g.staff, code=body.code, paper_ref=body.paper_ref,
                                                        centre_id=body.centre_id, now=utcnow())
    return done(messages.AUTHORISATION_RECORDED.format(name=authorisation.principal_name), "console.relative_authorisation")


@bp.get("/alerts")
@page(*permissions.ALERTS)
def velocity_alerts():
    alerts = queries.velocity_alerts(db.session, g.staff, utcnow())
    return render_template("console/alerts.html", alerts=alerts, kinds=messages.ALERT_KINDS)
