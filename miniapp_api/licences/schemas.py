from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from miniapp_api.licences.models import Licence
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn


class LicenceQuery(QueryModel):
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)


class RenewalOut(BaseModel):
    item_code: str
    item_name: str
    page: str = Field(description="mini-program page to book the renewal item")


class LicenceOut(BaseModel):
    id: int
    licence_type: str
    number: str
    holder_name: str
    issuing_centre: str
    issued_on: dt.date
    expires_on: dt.date
    days_left: int
    status: str = Field(description="valid, expiring (≤ 90 days), expired or revoked")
    renewal: RenewalOut | None

    @classmethod
    def of(cls, licence: Licence, today: dt.date) -> LicenceOut:
        days_left = (licence.expires_on - today).days
        status = licence.status if licence.status != "valid" else (
            "expired" if days_left < 0 else "expiring" if days_left <= 90 else "valid")
        item = licence.renewal_item
        renewal = RenewalOut(item_code=item.code, item_name=item.name,
                             page=f"pages/items/detail?code={item.code}") if item else None
        return cls(id=licence.id, licence_type=licence.licence_type, number=licence.number,
                   holder_name=licence.holder_name, issuing_centre=licence.issuing_centre.name,
                   issued_on=licence.issued_on, expires_on=licence.expires_on, days_left=days_left, status=status,
                   renewal=renewal)


class LicenceList(BaseModel):
    licences: list[LicenceOut]


class ImportIn(StrictIn):
    centre_id: Id = Field(description="the issuing centre of every row")
    csv: str = Field(min_length=1, max_length=5_000_000, description=(
        "UTF-8 CSV with the header 证照类型,证照编号,持证类型,持证人,统一社会信用代码,联系人身份证号,发证日期,到期日期,延续事项编码"))


class ImportOut(BaseModel):
    created: int
    updated: int


class LicencePath(BaseModel):
    licence_id: Id


class RenewIn(StrictIn):
    expires_on: dt.date
