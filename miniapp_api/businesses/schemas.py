from __future__ import annotations

from pydantic import BaseModel, Field

from miniapp_api.businesses import messages
from miniapp_api.businesses.models import Business, BusinessLink
from miniapp_api.citizens.schemas import IdNumber, RealName
from miniapp_api.licences.schemas import LicenceOut
from datetime import datetime

from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.privacy import mask_name
from miniapp_api.platform.schemas import Id, StrictIn


class BusinessPath(BaseModel):
    business_id: Id


class AgentPath(BusinessPath):
    link_id: Id


class EndAgentIn(StrictIn):
    reason: str = Field(min_length=1, max_length=200, description="why it ends, e.g. 已离职")


class PayoutAccountIn(StrictIn):
    account_name: str = Field(min_length=2, max_length=80, description="户名: the business's own name")
    bank: str = Field(min_length=2, max_length=60, description="开户银行")
    account_number: str = Field(pattern=r"^\d{8,30}$", description="对公账号 (8–30 digits)")


class PayoutAccountOut(BaseModel):
    account_name: str | None
    bank: str | None
    account: str | None = Field(description="the number masked to its last four digits")
    set_at: str | None

    @classmethod
    def of(cls, business: Business) -> PayoutAccountOut:
        return cls(account_name=business.payout_account_name, bank=business.payout_bank,
                   account=f"****{business.payout_account_last4}" if business.payout_account_last4 else None,
                   set_at=local_iso(business.payout_set_at))


class LinkOut(BaseModel):
    id: int
    name: str = Field(description="the agent's name, masked (张*)")
    role: str
    role_name: str
    since: str
    expires_at: str | None
    in_force: bool
    ended_at: str | None
    ended_by: str | None
    end_reason: str | None

    @classmethod
    def of(cls, link: BusinessLink, name: str | None, now: datetime) -> LinkOut:
        who = (link.ended_by or "").split(":")[0] or None
        return cls(id=link.id, name=mask_name(name or ""), role=link.role, role_name=messages.ROLE_NAMES[link.role],
                   since=local_iso(link.created_at), expires_at=local_iso(link.expires_at),
                   in_force=link.in_force(now), ended_at=local_iso(link.revoked_at),
                   ended_by=messages.ENDED_BY_NAMES.get(who) if who else None, end_reason=link.end_reason)


class LinkList(BaseModel):
    links: list[LinkOut]
    payout: PayoutAccountOut


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
    my_link_expires_at: str | None = Field(default=None, description="an agent's link runs until then unless renewed")

    @classmethod
    def of(cls, business: Business, link: BusinessLink) -> BusinessOut:
        return cls(id=business.id, credit_code=business.credit_code, name=business.name, kind=business.kind,
                   kind_name=messages.KIND_NAMES[business.kind], industry_code=business.industry_code,
                   size_class=business.size_class, size_name=messages.SIZE_NAMES[business.size_class],
                   address=business.address, region=business.region,
                   registered_on=business.registered_on.isoformat(),
                   representative=mask_name(business.representative_name), my_role=link.role,
                   my_role_name=messages.ROLE_NAMES[link.role], linked_by=messages.SOURCE_NAMES[link.source],
                   my_link_expires_at=local_iso(link.expires_at))


class BusinessList(BaseModel):
    businesses: list[BusinessOut]


class BatchMemberOut(BaseModel):
    reference: str
    name: str = Field(description="the member's name, masked (张*)")
    status: str
    status_name: str
    updated_at: str


class BatchCountOut(BaseModel):
    status_name: str
    count: int


class BusinessBatchOut(BaseModel):
    """批量办理 filed for the business that the caller handles as its agent: the members and their outcomes."""
    reference: str
    title: str
    item_name: str
    created_at: str
    progress: list[BatchCountOut] = Field(description="how many members are in each state, in plain words")
    members: list[BatchMemberOut]


class BusinessDetail(BusinessOut):
    licences: list[LicenceOut]
    batches: list[BusinessBatchOut] = Field(default_factory=list, description=(
        "批量办理 filed for the business that you handle as its agent, with each member's outcome"))


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
    expires_at: str | None = None
    renewed: bool = False
