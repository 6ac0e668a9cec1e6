from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from miniapp_api.citizens.schemas import IdNumber, RealName
from miniapp_api.identity import messages
from miniapp_api.identity.models import FaceVerification, RelativeAuthorisation, Scope
from miniapp_api.identity.services import PRINCIPAL_ID_CONTEXT, state_of
from miniapp_api.platform.privacy import FieldCipher, mask_id_number
from miniapp_api.platform.schemas import Id, StrictIn


class PhoneCodeIn(StrictIn):
    code: str = Field(min_length=1, max_length=128, description="the code from <button open-type=getPhoneNumber>")


class VerificationIn(StrictIn):
    real_name: RealName
    id_number: IdNumber


class VerificationPath(BaseModel):
    verification_id: Id


class VerificationOut(BaseModel):
    id: int
    status: str = Field(description="pending | verified | failed")
    verify_id: str | None = Field(None, description="pass to wx.requestFacialVerify({verifyId}); only when started")
    expires_at: datetime
    verify_ret: int | None = None

    @classmethod
    def of(cls, verification: FaceVerification, verify_id: str | None = None) -> VerificationOut:
        return cls(id=verification.id, status=verification.status, verify_id=verify_id,
                   expires_at=verification.expires_at, verify_ret=verification.verify_ret)


class RelativeIn(StrictIn):
    name: RealName
    id_number: IdNumber
    relation: Literal[messages.RELATIONS]  # type: ignore[valid-type]
    scopes: list[Scope] = Field(min_length=1, max_length=3)
    valid_days: int = Field(365, ge=1, le=1830, description="how long it lasts once confirmed (at most 5 years)")

    @field_validator("scopes")
    @classmethod
    def _distinct(cls, value: list[Scope]) -> list[Scope]:
        if not value:
            raise ValueError(messages.SCOPES_REQUIRED)
        return sorted(set(value))


class InviteCodeIn(StrictIn):
    code: str = Field(min_length=6, max_length=12)


class RelativePath(BaseModel):
    authorisation_id: Id


class RelativeOut(BaseModel):
    id: int
    name: str
    id_number_masked: str | None = Field(description="the relative's, in the list of those the caller acts for")
    relation: str
    scopes: list[str]
    scope_names: list[str]
    state: str = Field(description="pending | active | revoked | expired")
    state_name: str
    confirmed_via: str | None
    expires_at: datetime | None
    invite_code: str | None = Field(None, description="shown once, when the request is made")

    @classmethod
    def of(cls, authorisation: RelativeAuthorisation, cipher: FieldCipher, now: datetime,
           invite_code: str | None = None, *, delegate_name: str | None = None) -> RelativeOut:
        """Seen by the delegate (the relative's name and masked ID) or, with delegate_name, by the relative."""
        state = state_of(authorisation, now)
        masked = None if delegate_name else mask_id_number(
            cipher.decrypt(authorisation.principal_id_enc, context=PRINCIPAL_ID_CONTEXT))
        return cls(id=authorisation.id, name=delegate_name or authorisation.principal_name,
                   id_number_masked=masked, relation=authorisation.relation,
                   scopes=list(authorisation.scopes), scope_names=[messages.SCOPE_NAMES[s] for s in authorisation.scopes],
                   state=state, state_name=messages.STATUS_NAMES[state], confirmed_via=authorisation.confirmed_via,
                   expires_at=authorisation.expires_at, invite_code=invite_code)


class RelativeList(BaseModel):
    acting_for: list[RelativeOut] = Field(description="relatives the caller may act for (我代办的亲友)")
    acting_for_me: list[RelativeOut] = Field(description="people who may act for the caller (代我办理的人)")
