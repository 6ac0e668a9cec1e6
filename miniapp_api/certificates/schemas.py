from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from miniapp_api.certificates import messages
from miniapp_api.certificates.models import Certificate
from miniapp_api.certificates.services import Verification, status_of
from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn


class CertificatePath(BaseModel):
    certificate_id: Id


class VerifyTokenPath(BaseModel):
    token: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class FieldOut(BaseModel):
    label: str
    value: str


class CertificateOut(BaseModel):
    id: int
    identifier: str = Field(description="type code, region, year, running number and an ISO 7064 check character")
    type_name: str
    holder_type: str
    holder_name: str
    holder_id_masked: str | None
    credit_code: str | None
    issuing_centre: str
    issued_on: dt.date
    expires_on: dt.date
    status: str = Field(description="valid, expired, superseded (renewed) or revoked")
    status_name: str
    revoked_reason: str | None
    fields: list[FieldOut]
    verify_url: str = Field(description="the public page the QR code opens")
    qr_svg: str | None = Field(default=None, description="data URI of the QR code (detail only)")
    pdf_path: str

    @classmethod
    def of(cls, certificate: Certificate, today: dt.date, verify_url: str, qr_svg: str | None = None) -> dict:
        status = status_of(certificate, today)
        payload = certificate.payload
        return cls(id=certificate.id, identifier=certificate.identifier, type_name=certificate.type_name,
                   holder_type=certificate.holder_type, holder_name=certificate.holder_name,
                   holder_id_masked=payload.get("holder_id") or None, credit_code=certificate.credit_code,
                   issuing_centre=certificate.issuing_centre.name, issued_on=certificate.issued_on,
                   expires_on=certificate.expires_on, status=status, status_name=messages.STATUS_NAMES[status],
                   revoked_reason=certificate.revoked_reason,
                   fields=[FieldOut(label=k, value=v) for k, v in payload.get("data", {}).items()],
                   verify_url=verify_url, qr_svg=qr_svg,
                   pdf_path=f"/api/v1/certificates/{certificate.id}/pdf").model_dump(mode="json")


class CertificateList(BaseModel):
    certificates: list[CertificateOut]


class CertificateVerificationOut(BaseModel):
    """What anyone scanning the QR code learns: never the full ID number, never a phone number. Every field
    of the certificate comes from its signed payload, and only when the signature holds; the status adds the
    issuer's live record (revoked, superseded)."""

    found: bool
    status: str | None = None
    status_name: str | None = None
    explanation: str
    identifier: str | None = None
    type_name: str | None = None
    holder: str | None = Field(default=None, description="masked for a person; business name and credit code")
    issuer: str | None = None
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None
    revoked_at: str | None = None

    @classmethod
    def of(cls, result: Verification) -> dict:
        c = result.certificate
        if not result.found or c is None or result.status is None:
            return cls(found=False, explanation=messages.NOT_FOUND_PAGE).model_dump(mode="json")
        answer = cls(found=True, status=result.status, status_name=messages.STATUS_NAMES[result.status],
                     explanation=messages.STATUS_EXPLAINED[result.status])
        signed = result.signed
        if signed is None:      # the signature does not hold: nothing of the certificate is vouched for
            return answer.model_dump(mode="json")
        return answer.model_copy(update=dict(
            identifier=signed.get("identifier"), type_name=signed.get("type"), holder=result.holder_masked,
            issuer=signed.get("issuer"), issued_on=result.day("issued_on"), expires_on=result.day("expires_on"),
            revoked_at=local_iso(c.revoked_at) if result.status == "revoked" else None)).model_dump(mode="json")


class StaffQuery(QueryModel):
    q: str | None = Field(default=None, max_length=80, description="identifier, holder name or credit code")
    limit: int = Field(default=50, ge=1, le=200)


class StaffCertificateOut(CertificateOut):
    application_id: int | None
    revoked_at: str | None


class StaffCertificateList(BaseModel):
    certificates: list[StaffCertificateOut]


class RevokeIn(StrictIn):
    reason: str = Field(min_length=4, max_length=200, description="told to the holder")
