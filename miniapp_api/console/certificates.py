"""Console page for 电子证照: the certificates the caller's centres issued (search by identifier, holder or
credit code), each with its public verification link, and revocation with a reason (centre managers)."""

from __future__ import annotations

from flask import g, render_template, request

from miniapp_api.certificates import messages as certificate_messages
from miniapp_api.certificates import services
from miniapp_api.console import messages
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import done
from miniapp_api.console.forms import keeps_input
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import VALIDATION_FAILED, DomainError
from miniapp_api.staff import permissions


@bp.get("/certificates")
@page()
def certificate_list():
    query = (request.args.get("q") or "").strip()[:80] or None
    rows = services.staff_certificates(db.session, g.staff, identifier_like=query, limit=100)
    day = today()
    return render_template("console/certificates.html", certificates=rows, q=query or "",
                           status_of=lambda c: services.status_of(c, day),
                           status_names=certificate_messages.STATUS_NAMES,
                           can_revoke=g.staff.has_role(*permissions.CERTIFICATE_REVOKE))


@bp.post("/certificates/<int:certificate_id>/revoke")
@page(*permissions.CERTIFICATE_REVOKE)
@keeps_input("console.certificate_list")
def certificate_revoke(certificate_id: int):
    certificate = services.staff_certificate(db.session, g.staff, certificate_id, lock=True)
    reason = (request.form.get("reason") or "").strip()
    if not 4 <= len(reason) <= 200:
        raise DomainError(messages.REVOKE_REASON_NEEDED, code=VALIDATION_FAILED, status=422,
                          fields={"reason": messages.REVOKE_REASON_NEEDED})
    if request.form.get("confirm") != "true":   # revoking cannot be undone: a ticked confirmation, like ending an agent
        raise DomainError(messages.REVOKE_CONFIRM_NEEDED, code=VALIDATION_FAILED, status=422,
                          fields={"confirm": messages.REVOKE_CONFIRM_NEEDED})
    services.revoke(db.session, g.staff, certificate, reason, utcnow())
    return done(messages.CERTIFICATE_REVOKED.format(identifier=certificate.identifier), "console.certificate_list",
                q=certificate.identifier)
