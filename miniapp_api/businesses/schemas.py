from __future__ import annotations

from pydantic import BaseModel, Field

from miniapp_api.businesses import messages
from miniapp_api.businesses.models import Business, BusinessLink
from miniapp_api.citizens.schemas import IdNumber, RealName
from miniapp_api.licences.schemas import LicenceOut
from miniapp_api.platform.privacy import mask_name
from miniapp_api.platform.schemas import StrictIn


class BusinessPath(BaseModel):
    business_id: int = Field(ge=1, le=2**62)


class BusinessOut(BaseModel):
    id: int
    credit_code: str
    name: str
    kind: str
    kind_name: str
    industry_code: str
    size_class: str
    size_name: str
    address: str
    region: str
    registered_on: str
    representative: str = Field(description="the legal representative's name, masked (张*)")
    my_role: str
    my_role_name: str
    linked_by: str = Field(description="登记信息比对 (the registry matched your verified identity) or 窗口核验")

    @classmethod
    def of(cls, business: Business, link: BusinessLink) -> BusinessOut:
        return cls(id=business.id, credit_code=business.credit_code, name=business.name, kind=business.kind,
                   kind_name=messages.KIND_NAMES[business.kind], industry_code=business.industry_code,
                   size_class=business.size_class, size_name=messages.SIZE_NAMES[business.size_class],
                   address=business.address, region=business.region,
                   registered_on=business.registered_on.isoformat(),
                   representative=mask_name(business.representative_name), my_role=link.role,
                   my_role_name=messages.ROLE_NAMES[link.role], linked_by=messages.SOURCE_NAMES[link.source])


class BusinessList(BaseModel):
    businesses: list[BusinessOut]


class BusinessDetail(BusinessOut):
    licences: list[LicenceOut]


class BusinessImportIn(StrictIn):
    csv: str = Field(min_length=1, max_length=10_000_000, description=(
        "UTF-8 CSV with the header 统一社会信用代码,名称,类型,行业代码,规模,注册地址,所属区划,成立日期,法定代表人,"
        "法定代表人身份证号"))


class BusinessImportOut(BaseModel):
    created: int
    updated: int
    linked: int = Field(description="representatives linked to their verified accounts by this import")


class AgentIn(StrictIn):
    credit_code: str = Field(min_length=18, max_length=18)
    id_number: IdNumber
    name: RealName


class AgentOut(BaseModel):
    business_id: int
    business_name: str
    citizen_id: int
    role: str
    role_name: str
