from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from miniapp_api.platform.schemas import StrictIn


class StaffLoginIn(StrictIn):
    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=128)


class StaffOut(BaseModel):
    id: int
    username: str
    display_name: str
    roles: list[str]
    centre_ids: list[int] = Field(description="centres this account may see, including lower levels")


class StaffLoginOut(BaseModel):
    token: str = Field(description="send as `Authorization: Bearer <token>` to /api/staff/v1")
    expires_at: datetime
    staff: StaffOut


class NoticeOut(BaseModel):
    id: int
    kind: str
    subject_type: str
    subject_id: int
    text: str
    created_at: datetime
    read: bool


class NoticeList(BaseModel):
    notices: list[NoticeOut]
