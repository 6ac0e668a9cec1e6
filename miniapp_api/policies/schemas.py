from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn
from miniapp_api.policies import messages, rules
from miniapp_api.policies.models import CATEGORIES, PolicyGrant, PolicyItem, PolicyMatch, PolicyRule



class PolicyItemPath(BaseModel):
    item_id: Id


class DocumentPath(BaseModel):
    document_id: Id


class MatchPath(BaseModel):
    match_id: Id


class GrantPath(BaseModel):
    grant_id: Id


class BrowseQuery(QueryModel):
    q: str | None = Field(default=None, max_length=40)
    category: str | None = Field(default=None, max_length=20)
    page: int = Field(default=1, ge=1, le=1000)


class PolicyOut(BaseModel):
    id: int
    code: str
    title: str
    benefit: str
    amount_yuan: int | None
    mode: str
    mode_name: str
    subject: str
    subject_name: str
    category: str
    department: str
    document: str
    valid_from: str
    valid_until: str

    @classmethod
    def of(cls, item: PolicyItem) -> PolicyOut:
        return cls(id=item.id, code=item.code, title=item.title, benefit=item.benefit, amount_yuan=item.amount_yuan,
                   mode=item.mode, mode_name=messages.MODE_NAMES[item.mode], subject=item.subject,
                   subject_name=messages.SUBJECT_NAMES[item.subject], category=item.category,
                   department=item.owner_department, document=item.document.title,
                   valid_from=item.valid_from.isoformat(), valid_until=item.valid_until.isoformat())


class PolicyList(BaseModel):
    policies: list[PolicyOut]
    total: int
    categories: list[str]


class PolicyDetail(PolicyOut):
    summary: str = Field(description="白话解读")
    issued_on: str
    conditions: list[str] = Field(description="the rule's conditions in plain Chinese")


class ConditionOut(BaseModel):
    fact: str
    label: str
    passed: bool
    text: str


class StaffConditionOut(ConditionOut):
    op: str
    expected: Any
    actual: Any
    gap: float | None

    @classmethod
    def of(cls, o: rules.Outcome) -> StaffConditionOut:
        actual = list(o.actual) if isinstance(o.actual, list | tuple | set) else o.actual
        actual = actual.isoformat() if isinstance(actual, date) else actual
        return cls(fact=o.fact, label=o.label, passed=o.passed, text=o.text, op=o.op, expected=o.expected,
                   actual=actual, gap=o.gap)


class EligibilityOut(BaseModel):
    subject: str
    subject_text: str
    known: bool = Field(description="false: no data about them yet, nothing could be checked")
    eligible: bool
    conditions: list[ConditionOut]


class EligibilityList(BaseModel):
    results: list[EligibilityOut]


class StepOut(BaseModel):
    name: str
    done: bool
    at: str | None


class MatchOut(BaseModel):
    id: int
    policy: PolicyOut
    subject: str
    subject_text: str
    business_id: int | None = Field(default=None, description="the business matched (我的企业 lists its matches)")
    status: str
    status_name: str
    matched_at: str
    answered_at: str | None
    end_reason: str | None
    can_confirm: bool = Field(description="免申即享: confirm with the payout account")
    can_apply: bool = Field(description="快申快享: the prefilled application (GET …/form, POST …/apply)")
    grant_reference: str | None
    grant_status: str | None
    grant_status_name: str | None
    steps: list[StepOut]


class MatchList(BaseModel):
    matches: list[MatchOut]


def match_out(match: PolicyMatch, grant: PolicyGrant | None, subject_text: str,
              steps: list[tuple[str, datetime | None]]) -> MatchOut:
    return MatchOut(
        id=match.id, policy=PolicyOut.of(match.item), subject="business" if match.business_id else "person",
        subject_text=subject_text, business_id=match.business_id, status=match.status,
        status_name=messages.MATCH_STATUS_NAMES[match.status],
        matched_at=local_iso(match.matched_at), answered_at=local_iso(match.answered_at), end_reason=match.end_reason,
        can_confirm=match.status == "matched" and match.item.mode == "exempt",
        can_apply=match.status == "matched" and match.item.mode == "fast",
        grant_reference=grant.reference if grant else None, grant_status=grant.status if grant else None,
        grant_status_name=messages.GRANT_STATUS_NAMES[grant.status] if grant else None,
        steps=[StepOut(name=name, done=at is not None, at=local_iso(at)) for name, at in steps])


class ConfirmIn(StrictIn):
    """The payout account: required for a person's grant (in their own verified name); for a business's grant
    leave it out — it is paid to the business's account on record only."""

    account_name: str | None = Field(default=None, min_length=1, max_length=80, description="收款户名")
    bank: str | None = Field(default=None, min_length=2, max_length=60, description="开户银行")
    account_number: str | None = Field(default=None, min_length=8, max_length=30, description="银行账号 (digits)")


class KnownFieldOut(BaseModel):
    label: str
    value: str


class FormOut(BaseModel):
    """快申快享: the application as the system already knows it."""

    policy: PolicyOut
    known: list[KnownFieldOut]
    phone: str | None = Field(description="the account's phone, masked; another may be typed")
    can_apply: bool


class ApplyIn(StrictIn):
    phone: str | None = Field(default=None, pattern=r"^1[3-9]\d{9}$", description="contact phone if not the account's")
    note: str | None = Field(default=None, max_length=200)
    account_name: str | None = Field(default=None, min_length=1, max_length=80, description="收款户名")
    bank: str | None = Field(default=None, min_length=2, max_length=60, description="开户银行")
    account_number: str | None = Field(default=None, min_length=8, max_length=30, description="银行账号 (digits)")


class SubmittedForm(BaseModel):
    fields: list[KnownFieldOut]
    phone: str
    note: str


class GrantOut(BaseModel):
    id: int
    reference: str
    policy: str
    status: str
    status_name: str
    account_name: str
    bank: str
    account: str = Field(description="masked: ****1234")
    confirmed_at: str
    reviewed_at: str | None
    paid_at: str | None
    reject_reason: str | None
    form: SubmittedForm | None = Field(description="快申快享: the application as submitted")

    @classmethod
    def of(cls, grant: PolicyGrant) -> GrantOut:
        return cls(id=grant.id, reference=grant.reference, policy=grant.item.title, status=grant.status,
                   status_name=messages.GRANT_STATUS_NAMES[grant.status], account_name=grant.account_name,
                   bank=grant.bank, account=f"****{grant.account_last4}", confirmed_at=local_iso(grant.confirmed_at),
                   reviewed_at=local_iso(grant.reviewed_at), paid_at=local_iso(grant.paid_at),
                   reject_reason=grant.reject_reason, form=SubmittedForm(
                       fields=grant.form["fields"], phone=grant.form["phone"], note=grant.form["note"])
                   if grant.form else None)


class GrantList(BaseModel):
    grants: list[GrantOut]


class SubscriptionsIn(StrictIn):
    categories: list[str] = Field(max_length=20)


class SubscriptionsOut(BaseModel):
    categories: list[str]
    available: list[str]


# ---------------------------------------------------------------------------------------------- staff

class DocumentIn(StrictIn):
    title: str = Field(min_length=2, max_length=120)
    department: str = Field(min_length=2, max_length=60)
    centre_id: Id
    issued_on: date
    summary: str = Field(min_length=2, max_length=4000)


class DocumentOut(BaseModel):
    id: int
    title: str


class ItemIn(StrictIn):
    code: str = Field(pattern=r"^[A-Za-z0-9-]{2,30}$")
    title: str = Field(min_length=2, max_length=80)
    benefit: str = Field(min_length=2, max_length=200)
    amount_yuan: int | None = Field(default=None, ge=0, le=10**9)
    mode: Literal["exempt", "fast", "info"]
    subject: Literal["person", "business"]
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    valid_from: date
    valid_until: date
    owner_department: str = Field(min_length=2, max_length=60)
    service_item_code: str | None = Field(default=None, max_length=40)


class RuleIn(StrictIn):
    rule: dict[str, Any]
    cases: list[Any] = Field(max_length=200)


class CaseOut(BaseModel):
    name: str
    passed: bool
    expected_eligible: bool
    eligible: bool
    message: str | None
    conditions: list[StaffConditionOut]


class RuleVersionOut(BaseModel):
    id: int
    version: int
    rule: dict[str, Any]
    cases: list[Any]
    published_at: str | None
    current: bool

    @classmethod
    def of(cls, rule: PolicyRule, item: PolicyItem) -> RuleVersionOut:
        return cls(id=rule.id, version=rule.version, rule=rule.rule, cases=rule.cases,
                   published_at=local_iso(rule.published_at), current=rule.id == item.rule_id)


class RuleSavedOut(BaseModel):
    version: RuleVersionOut
    cases: list[CaseOut]
    all_passed: bool


class StaffItemOut(PolicyOut):
    status: str
    status_name: str
    published_at: str | None

    @classmethod
    def of(cls, item: PolicyItem) -> StaffItemOut:
        return cls(**PolicyOut.of(item).model_dump(), status=item.status,
                   status_name=messages.ITEM_STATUS_NAMES[item.status], published_at=local_iso(item.published_at))


class StaffItemList(BaseModel):
    items: list[StaffItemOut]


class StaffItemDetail(StaffItemOut):
    versions: list[RuleVersionOut]


class CheckIn(StrictIn):
    id_number: str | None = Field(default=None, max_length=18)
    credit_code: str | None = Field(default=None, max_length=18)


class CheckOut(BaseModel):
    eligible: bool
    conditions: list[StaffConditionOut]


class GrantQuery(QueryModel):
    status: Literal["reviewing", "approved", "paid", "rejected"] | None = None


class ReviewIn(StrictIn):
    approve: bool
    reason: str | None = Field(default=None, max_length=200)


class PersonFactsIn(StrictIn):
    csv: str = Field(min_length=1, max_length=5_000_000)


class PersonFactsOut(BaseModel):
    citizens: int = Field(description="verified citizens whose facts changed; matching runs over them")
