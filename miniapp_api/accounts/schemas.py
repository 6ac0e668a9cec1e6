from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from miniapp_api.accounts import messages
from miniapp_api.platform.schemas import StrictIn


class DeletionIn(StrictIn):
    confirm: str = Field(max_length=10, description=f"the words “{messages.CONFIRM_WORDS}”, typed by the citizen")

    @field_validator("confirm")
    @classmethod
    def _typed(cls, value: str) -> str:
        if value != messages.CONFIRM_WORDS:
            raise ValueError(messages.CONFIRM_REQUIRED)
        return value


class DeletionOut(BaseModel):
    cancelled_appointments: int
    left_waitlists: int
    ended_authorisations: int
    erase_by: str = Field(description="when the personal data will have been erased (Beijing time)")
    message: str
