from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from miniapp_api.citizens import messages
from miniapp_api.citizens.services import profile_of
from miniapp_api.platform.privacy import id_number_is_valid, mobile_is_valid
from miniapp_api.platform.schemas import StrictIn

_REAL_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z·•. ]{2,20}$")


def _real_name(value: str) -> str:
    if not _REAL_NAME.match(value):
        raise ValueError(messages.REAL_NAME_INVALID)
    return value


def _id_number(value: str) -> str:
    if not id_number_is_valid(value):
        if len(value) == 18 and value[:17].isdigit() and value[17] in "0123456789Xx":
            # All 18 there, the last one does not fit the first 17: name the check digit, not the length.
            raise ValueError(messages.ID_NUMBER_CHECK_DIGIT)
        raise ValueError(messages.ID_NUMBER_INVALID)
    return value.upper()


def _mobile(value: str) -> str:
    if not mobile_is_valid(value):
        raise ValueError(messages.PHONE_INVALID)
    return value


# Shared by every schema that takes a person's details (profile, booking for a relative).
RealName = Annotated[str, AfterValidator(_real_name)]
IdNumber = Annotated[str, AfterValidator(_id_number), Field(description="18-digit resident ID number (stored encrypted)")]
MobilePhone = Annotated[str, AfterValidator(_mobile), Field(description="11-digit mainland mobile number (stored encrypted)")]


class LoginIn(StrictIn):
    code: str = Field(min_length=1, max_length=128, description="the code from wx.login()")


class LoginOut(BaseModel):
    token: str = Field(description="opaque bearer token; send as `Authorization: Bearer <token>`")
    expires_at: datetime
    citizen_id: int


class ProfileOut(BaseModel):
    id: int
    real_name: str | None
    id_number_masked: str | None = Field(description="e.g. 3715**********1234")
    phone_masked: str | None = Field(description="e.g. 138****5678")
    registered_at: datetime
    verified: bool = Field(description="name and ID number confirmed by face verification (实名核验)")
    verified_at: datetime | None
    phone_verified: bool = Field(description="the phone came from WeChat's getPhoneNumber")

    @classmethod
    def of(cls, citizen, cipher) -> dict:
        """The caller's profile as the API answers it (personal numbers masked)."""
        return cls(**asdict(profile_of(citizen, cipher))).model_dump(mode="json")

    @staticmethod
    def values(citizen, cipher) -> dict:
        """The same document as plain values for GET /me's fast path (platform/fast_json.py writes it; a test
        compares it with `of`)."""
        return profile_of(citizen, cipher).__dict__.copy()


class ProfilePatch(StrictIn):
    """Only the fields sent change; null clears a field."""

    real_name: RealName | None = None
    id_number: IdNumber | None = None
    phone: MobilePhone | None = None
