"""电子证照: the holder's list, detail (with the QR code) and PDF; a relative's; the public verification
(JSON for the mini-program's scanner, HTML for any phone's camera); staff listing and revocation."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template_string, request
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.certificates import messages, render, services
from miniapp_api.certificates.models import Certificate
from miniapp_api.certificates.schemas import (
    CertificateList,
    CertificateOut,
    CertificatePath,
    RevokeIn,
    StaffCertificateList,
    StaffQuery,
    VerifyTokenPath,
    CertificateVerificationOut,
)
from miniapp_api.identity.models import Scope
from miniapp_api.identity.schemas import RelativePath
from miniapp_api.identity.services import principal_for
from miniapp_api.platform.auth import STAFF_BEARER, citizen_required, signing_keys, staff_required
from miniapp_api.platform.clock import local_iso, today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.rate_limits import LICENCES_PER_CITIZEN, limiter, per_citizen
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.staff import permissions
from miniapp_api.staff.guards import staff_role

bp = APIBlueprint("certificates", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="电子证照", description="Signed electronic certificates and their verification")])
staff_bp = APIBlueprint("staff_certificates", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                        abp_tags=[Tag(name="电子证照（工作人员）", description="Issued certificates and revocation")])
# The page a phone's camera opens from the QR code: public, server-rendered, no script.
verify_bp = Blueprint("certificate_verify", __name__)


def verify_url(certificate: Certificate) -> str:
    return f"{request.host_url.rstrip('/')}/verify/{certificate.verify_token}"


def out(certificate: Certificate, *, detail: bool = False) -> dict:
    url = verify_url(certificate)
    return CertificateOut.of(certificate, today(), url, render.qr_svg_data_uri(url) if detail else None)


@bp.get("/certificates", responses={200: CertificateList}, security=[{"bearer": []}])
@citizen_required
@limiter.limit(LICENCES_PER_CITIZEN, key_func=per_citizen)
def list_certificates():
    """The caller's certificates: as a person (verified ID number) and of the businesses they act for."""
    return {"certificates": [out(c) for c in services.for_citizen(db.session, g.citizen)]}


@bp.get("/certificates/<int:certificate_id>", responses={200: CertificateOut}, security=[{"bearer": []}])
@citizen_required
def show_certificate(path: CertificatePath):
    """One certificate with its QR code (shown to whoever asks for it: a hall, a bank, an inspector)."""
    return out(services.citizen_certificate(db.session, g.citizen, path.certificate_id), detail=True)


@bp.get("/certificates/<int:certificate_id>/pdf", security=[{"bearer": []}],
        responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
@citizen_required
def certificate_pdf(path: CertificatePath):
    """The printable PDF (A4, with the verification QR code)."""
    certificate = services.citizen_certificate(db.session, g.citizen, path.certificate_id)
    body = render.pdf(certificate, verify_url(certificate),
                      messages.STATUS_NAMES[services.status_of(certificate, today())])
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="certificate-{certificate.identifier}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/relatives/<int:authorisation_id>/certificates", responses={200: CertificateList},
        security=[{"bearer": []}])
@citizen_required
@limiter.limit(LICENCES_PER_CITIZEN, key_func=per_citizen)
def list_relative_certificates(path: RelativePath):
    """An authorised relative's certificates (needs the view scope)."""
    principal = principal_for(db.session, g.citizen, path.authorisation_id, Scope.VIEW, utcnow())
    return {"certificates": [out(c) for c in services.of_person(db.session, principal.id_hash)]}


@bp.get("/certificates/verify/<token>", responses={200: CertificateVerificationOut})
def verify_certificate(path: VerifyTokenPath):
    """Public: what the QR code says — valid, expired, superseded, revoked, tampered or signed by a revoked key —
    and, when the signature holds, the signed fields with the holder masked. An unknown token answers 200 with
    found=false, the same shape as a known one."""
    return CertificateVerificationOut.of(services.verify(db.session, signing_keys(), path.token, today()))


@staff_bp.get("/certificates", responses={200: StaffCertificateList}, security=STAFF_BEARER)
@staff_required
def staff_list(query: StaffQuery):
    """Certificates issued by the caller's centres, newest first (search by identifier, holder or credit code)."""
    rows = services.staff_certificates(db.session, g.staff, identifier_like=query.q, limit=query.limit)
    return {"certificates": [out(c) | {"application_id": c.application_id, "revoked_at": local_iso(c.revoked_at)}
                             for c in rows]}


@staff_bp.post("/certificates/<int:certificate_id>/revoke", responses={200: CertificateOut}, security=STAFF_BEARER)
@staff_role(*permissions.CERTIFICATE_REVOKE)
def revoke(path: CertificatePath, body: RevokeIn):
    """撤销 with a reason: the certificate and its licence stop, expiry reminders are dropped, the holder is told."""
    certificate = services.staff_certificate(db.session, g.staff, path.certificate_id, lock=True)
    services.revoke(db.session, g.staff, certificate, body.reason, utcnow())
    return out(certificate)


VERIFY_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>body{font:18px/1.7 system-ui,sans-serif;margin:0;padding:1.5rem;max-width:32rem;color:#1b1b1b}
h1{font-size:1.4rem}.status{font-size:1.6rem;font-weight:bold;padding:.8rem 1rem;border-radius:.5rem}
.valid{background:#e3f4e6;color:#155724}.other{background:#fdeaea;color:#7a1010}
dl{display:grid;grid-template-columns:6.5em 1fr;gap:.3rem .8rem}dt{color:#555}dd{margin:0}</style></head>
<body><main><h1>{{ title }}</h1>
{% if v.found %}
<p class="status {{ 'valid' if v.status == 'valid' else 'other' }}" role="status">{{ v.status_name }}</p>
<p>{{ v.explanation }}</p>
{% if v.identifier %}<dl><dt>证照名称</dt><dd>{{ v.type_name }}</dd><dt>证照编号</dt><dd>{{ v.identifier }}</dd>
<dt>持证主体</dt><dd>{{ v.holder }}</dd><dt>签发机关</dt><dd>{{ v.issuer }}</dd>
<dt>有效期</dt><dd>{{ v.issued_on }} 至 {{ v.expires_on }}</dd>
{% if v.revoked_at %}<dt>撤销时间</dt><dd>{{ v.revoked_at }}</dd>{% endif %}</dl>{% endif %}
{% else %}<p class="status other" role="status">{{ v.explanation }}</p>{% endif %}
</main></body></html>"""


@verify_bp.get("/verify/<token>")
def verify_page(token: str):
    valid_token = 8 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()
    result = services.verify(db.session, signing_keys(), token, today()) if valid_token \
        else services.Verification(False)
    page = render_template_string(VERIFY_PAGE, title=messages.PAGE_TITLE, v=CertificateVerificationOut.of(result))
    response = Response(page, status=200 if result.found else 404, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
