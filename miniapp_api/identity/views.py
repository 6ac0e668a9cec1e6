from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import select

from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.schemas import ProfileOut
from miniapp_api.identity import services
from miniapp_api.identity.schemas import (
    InviteCodeIn,
    PhoneCodeIn,
    RelativeIn,
    RelativeList,
    RelativeOut,
    RelativePath,
    VerificationIn,
    VerificationOut,
    VerificationPath,
)
from miniapp_api.platform.auth import citizen_required, field_cipher
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.rate_limits import (
    RELATIVES_PER_CITIZEN,
    VERIFY_PER_CITIZEN,
    VERIFY_PER_ID_NUMBER,
    limiter,
    per_citizen,
    per_id_number_in_body,
)
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.wechat import gateway

bp = APIBlueprint("identity", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="实名核验与亲友代办",
                                description="Verified phone, face verification and authorised relatives")])
BEARER = [{"bearer": []}]


def _profile() -> dict:
    return ProfileOut.of(g.citizen, field_cipher())


@bp.post("/me/phone", responses={200: ProfileOut}, security=BEARER)
@citizen_required
@limiter.limit(VERIFY_PER_CITIZEN, key_func=per_citizen)
def verify_phone(body: PhoneCodeIn):
    """Store the phone WeChat vouches for, from the getPhoneNumber button's code (one use, 5 minutes)."""
    services.verify_phone(db.session, gateway(), field_cipher(), g.citizen, code=body.code, now=utcnow())
    return _profile()


@bp.post("/me/verifications", responses={201: VerificationOut}, security=BEARER)
@citizen_required
@limiter.limit(VERIFY_PER_ID_NUMBER, key_func=per_id_number_in_body)
@limiter.limit(VERIFY_PER_CITIZEN, key_func=per_citizen)
def start_verification(body: VerificationIn):
    """Start face verification (人脸核身) for the name and ID number entered; the page then calls
    wx.requestFacialVerify with the verify_id and, when it is done, confirms."""
    started = services.start_verification(db.session, gateway(), field_cipher(), g.citizen,
                                          real_name=body.real_name, id_number=body.id_number, now=utcnow())
    return VerificationOut.of(started.verification, started.verify_id).model_dump(mode="json"), 201


@bp.post("/me/verifications/<int:verification_id>/confirm", responses={200: ProfileOut}, security=BEARER)
@citizen_required
@limiter.limit(VERIFY_PER_CITIZEN, key_func=per_citizen)
def confirm_verification(path: VerificationPath):
    """Ask WeChat how the face check went; only a match verifies the identity (once)."""
    services.confirm_verification(db.session, gateway(), field_cipher(), g.citizen,
                                  verification_id=path.verification_id, now=utcnow())
    return _profile()


def _relative_list() -> dict:
    now, cipher = utcnow(), field_cipher()
    mine, for_me = services.authorisations_of(db.session, g.citizen, now)
    delegates = {c.id: c for c in db.session.scalars(select(Citizen).where(Citizen.id.in_({a.delegate_id for a in for_me})))}
    return RelativeList(
        acting_for=[RelativeOut.of(a, cipher, now) for a in mine],
        acting_for_me=[RelativeOut.of(a, cipher, now, delegate_name=delegates[a.delegate_id].real_name or "微信用户")
                       for a in for_me]).model_dump(mode="json")


@bp.get("/relatives", responses={200: RelativeList}, security=BEARER)
@citizen_required
def list_relatives():
    """亲友代办: the relatives the caller acts for, and the people who act for the caller."""
    return _relative_list()


@bp.post("/relatives", responses={201: RelativeOut}, security=BEARER)
@citizen_required
@limiter.limit(RELATIVES_PER_CITIZEN, key_func=per_citizen)
def invite_relative(body: RelativeIn):
    """Ask to act for a relative. It takes effect when the relative accepts the code on their own WeChat
    (after their own verification) or hall staff record the signed paper authorisation."""
    invitation = services.invite_relative(db.session, field_cipher(), g.citizen, name=body.name,
                                          id_number=body.id_number, relation=body.relation,
                                          scopes=[str(s) for s in body.scopes], valid_days=body.valid_days,
                                          now=utcnow())
    return RelativeOut.of(invitation.authorisation, field_cipher(), utcnow(),
                          invite_code=invitation.code).model_dump(mode="json"), 201


@bp.post("/relatives/accept", responses={200: RelativeList}, security=BEARER)
@citizen_required
@limiter.limit(RELATIVES_PER_CITIZEN, key_func=per_citizen)
def accept_relative(body: InviteCodeIn):
    """The relative confirms a request with its code: from now on the delegate may act for them."""
    services.accept_invitation(db.session, g.citizen, code=body.code, now=utcnow())
    return _relative_list()


@bp.post("/relatives/<int:authorisation_id>/revoke", responses={200: RelativeList}, security=BEARER)
@citizen_required
def revoke_relative(path: RelativePath):
    """Either side ends an authorisation at once."""
    services.revoke(db.session, g.citizen, path.authorisation_id, utcnow())
    return _relative_list()
