"""Policies: authoring and publishing rules (staff), what citizens read and answer, grant cases, the sweep.

Staff see and edit only the policies of their centres (the document's owner centre). A rule version is
never changed once published; publishing needs every test case of the version to pass, and starts a
matching run for it once the transaction commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.applications.services import new_reference
from miniapp_api.businesses.models import Business
from miniapp_api.businesses.services import PAYOUT_CONTEXT, linked_business_ids
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, PHONE_CONTEXT
from miniapp_api.identity import messages as identity_messages
from miniapp_api.identity.services import IDENTITY_UNVERIFIED, verified_citizen_by_id_number
from miniapp_api.notifications.services import Draft, insert_drafts
from miniapp_api.platform import csv_rows
from miniapp_api.platform.clock import chinese_date, local_date, utcnow
from miniapp_api.platform.errors import DomainError, NotFound, require_state
from miniapp_api.platform.facts import facts_changed
from miniapp_api.platform.privacy import FieldCipher, id_number_is_valid, mask_id_number, mask_name, mask_phone
from miniapp_api.platform.unit_of_work import enqueue_after_commit
from miniapp_api.policies import matching, messages, rules, search
from miniapp_api.policies.models import (
    CATEGORIES,
    GrantStatus,
    MatchStatus,
    Mode,
    PersonFact,
    PolicyDocument,
    PolicyGrant,
    PolicyItem,
    PolicyMatch,
    PolicyRule,
    PolicySubscription,
    Subject,
)
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import audit, require_centre, visible_centres

ITEM_NOT_FOUND = "policy_item_not_found"
DOCUMENT_NOT_FOUND = "policy_document_not_found"
MATCH_NOT_FOUND = "policy_match_not_found"
GRANT_NOT_FOUND = "policy_grant_not_found"
CASES_FAILING = "rule_cases_failing"
MATCH_ANSWERED = "match_answered"
WRONG_MODE = "wrong_mode"
PAYOUT_MISSING = "payout_account_missing"
PAYOUT_NOT_ON_RECORD = "payout_account_not_allowed"
GRANT_STATE = "grant_state"
CODE_TAKEN = "policy_code_taken"
UNKNOWN_CATEGORY = "unknown_category"
SUBJECT_NOT_FOUND = "subject_not_found"
ACCOUNT_CONTEXT = "policy_account"
REMIND_AFTER = timedelta(days=7)
REMIND_BATCH = 2000
PUBLISH_JOB = "miniapp_api.policies.jobs.match_published"
ACCOUNT = re.compile(r"^\d{8,30}$")


# ---------------------------------------------------------------------------------------------- staff: authoring

def staff_items(session: Session, staff: Staff) -> list[PolicyItem]:
    return list(session.scalars(select(PolicyItem).join(PolicyDocument).where(
        PolicyDocument.centre_id.in_(visible_centres(staff))).order_by(PolicyItem.id)))


def staff_item(session: Session, staff: Staff, item_id: int) -> PolicyItem:
    """An item of the staff member's centres; any other is 'not found'."""
    item = session.scalars(select(PolicyItem).join(PolicyDocument).where(
        PolicyItem.id == item_id, PolicyDocument.centre_id.in_(visible_centres(staff)))).one_or_none()
    if item is None:
        raise NotFound(messages.ITEM_NOT_FOUND, code=ITEM_NOT_FOUND)
    return item


def create_document(session: Session, staff: Staff, *, title: str, department: str, centre_id: int,
                    issued_on: date, summary: str) -> PolicyDocument:
    require_centre(session, staff, centre_id)
    document = PolicyDocument(title=title, department=department, centre_id=centre_id, issued_on=issued_on,
                              summary=summary)
    session.add(document)
    session.flush()
    audit(session, staff, "policy.document_created", "policy_document", document.id)
    return document


def create_item(session: Session, staff: Staff, document_id: int, **values) -> PolicyItem:
    document = session.get(PolicyDocument, document_id)
    if document is None or document.centre_id not in set(session.scalars(visible_centres(staff))):
        raise NotFound(messages.DOCUMENT_NOT_FOUND, code=DOCUMENT_NOT_FOUND)
    if values["valid_from"] > values["valid_until"]:
        raise DomainError(messages.VALID_PERIOD, status=422, fields={"valid_until": messages.VALID_PERIOD})
    if session.scalar(select(PolicyItem.id).where(PolicyItem.code == values["code"])) is not None:
        raise DomainError(messages.CODE_TAKEN.format(code=values["code"]), code=CODE_TAKEN, status=409,
                          fields={"code": messages.CODE_TAKEN.format(code=values["code"])})
    item = PolicyItem(document_id=document.id, status="draft", **values)
    session.add(item)
    session.flush()
    audit(session, staff, "policy.item_created", "policy_item", item.id)
    return item


@dataclass(frozen=True)
class SavedRule:
    rule: PolicyRule
    results: list[rules.CaseResult]


def save_rule(session: Session, staff: Staff | None, item: PolicyItem, rule: dict, cases: list[dict]) -> SavedRule:
    """A new draft version of the item's rule with its test cases (a malformed rule or case is refused with
    every problem by field; failing cases are saved and shown, only publishing needs them green)."""
    errors = rules.rule_errors(rule, item.subject)
    errors |= rules.case_errors(cases, item.subject) if not errors else {}
    if errors:
        raise DomainError(next(iter(errors.values())), code=rules.INVALID_RULE, status=422, fields=errors)
    _lock_item(session, item)
    version = (session.scalar(select(func.max(PolicyRule.version)).where(PolicyRule.policy_item_id == item.id))
               or 0) + 1
    saved = PolicyRule(policy_item_id=item.id, version=version, rule=rule, cases=cases,
                       created_by_staff_id=staff.id if staff else None)
    session.add(saved)
    session.flush()
    if staff is not None:
        audit(session, staff, "policy.rule_saved", "policy_item", item.id, version=version)
    return SavedRule(saved, rules.run_cases(rule, cases))


def _lock_item(session: Session, item: PolicyItem) -> None:
    """Saving versions and publishing take the item's row lock: two editors get distinct version numbers, two
    publishers publish once (the other sees it published)."""
    session.execute(select(PolicyItem.id).where(PolicyItem.id == item.id).with_for_update())
    session.refresh(item)


def latest_rule(session: Session, item: PolicyItem) -> PolicyRule | None:
    return session.scalars(select(PolicyRule).where(PolicyRule.policy_item_id == item.id)
                           .order_by(PolicyRule.version.desc()).limit(1)).one_or_none()


def rule_versions(session: Session, item: PolicyItem) -> list[PolicyRule]:
    return list(session.scalars(select(PolicyRule).where(PolicyRule.policy_item_id == item.id)
                                .order_by(PolicyRule.version.desc())))


def publish(session: Session, staff: Staff | None, item: PolicyItem, now: datetime) -> PolicyRule:
    """Make the latest rule version the one matched: all its test cases must pass, with at least one eligible
    and one ineligible case. Matching runs for it after commit; subscribers of the category are told."""
    _lock_item(session, item)
    if item.status == "retired":
        raise DomainError(messages.ITEM_RETIRED, status=409)
    rule = latest_rule(session, item)
    if rule is None:
        raise DomainError(messages.NO_RULE, status=409)
    if rule.published_at is not None:
        raise DomainError(messages.ALREADY_PUBLISHED, status=409)
    results = rules.run_cases(rule.rule, rule.cases)
    failing = [r for r in results if not r.passed]
    if failing:
        raise DomainError(messages.CASES_FAILING.format(count=len(failing)), code=CASES_FAILING, status=422,
                          fields={f"cases[{results.index(r)}]": r.message for r in failing})
    if not {True, False} <= {case["eligible"] for case in rule.cases}:
        raise DomainError(messages.CASES_EMPTY, code=CASES_FAILING, status=422, fields={"cases": messages.CASES_EMPTY})
    first = item.published_at is None
    rule.published_at = now
    item.search_vector = search.search_vector(item, item.document)
    item.rule_id, item.status = rule.id, "published"
    item.published_at = item.published_at or now
    session.flush()
    if first:
        _tell_subscribers(session, item, now)
    enqueue_after_commit(session, "sweeps", PUBLISH_JOB, rule.id, job_id=f"policy-publish-{rule.id}")
    if staff is not None:
        audit(session, staff, "policy.published", "policy_item", item.id, version=rule.version)
    return rule


def retire(session: Session, staff: Staff, item: PolicyItem, now: datetime) -> int:
    """Stop an item: nobody is matched to it any more, open matches expire. How many expired."""
    item.status = "retired"
    expired = _expire(session, [item.id], now)
    audit(session, staff, "policy.retired", "policy_item", item.id, expired=expired)
    return expired


def _tell_subscribers(session: Session, item: PolicyItem, now: datetime) -> None:
    """A newly published item: in-app (and subscribe message) to citizens subscribed to its category."""
    subscribers = session.scalars(select(PolicySubscription.citizen_id).join(
        Citizen, Citizen.id == PolicySubscription.citizen_id).where(
        PolicySubscription.category == item.category, Citizen.deletion_requested_at.is_(None)))
    insert_drafts(session, [Draft(
        citizen_id=citizen_id, kind="policy_new", context={"policy": item.title, "benefit": item.benefit,
                                                           "tip": messages.MODE_NAMES[item.mode]},
        title=messages.NEW_POLICY_TITLE, page=f"/pages/policies/detail?id={item.id}",
        body=messages.NEW_POLICY_BODY.format(category=item.category, title=item.title, benefit=item.benefit),
        subject=("policy_item", item.id), dedupe_key=f"policy_new:{item.id}:{citizen_id}")
        for citizen_id in subscribers], now)


def check_subject(session: Session, cipher: FieldCipher, staff: Staff, item: PolicyItem, *, id_number: str | None,
                  credit_code: str | None, now: datetime) -> rules.Evaluation:
    """Staff look at one person's or business's evaluation against the item's latest rule: it shows someone's
    facts (age, disability), so every look is audit-logged (who, which item, whom)."""
    if item.subject == Subject.PERSON and id_number:
        subject = verified_citizen_by_id_number(session, cipher, id_number)
        subject_id = subject.id if subject is not None else None
    elif item.subject == Subject.BUSINESS and credit_code:
        subject_id = session.scalar(select(Business.id).where(Business.credit_code == credit_code.upper()))
    else:
        raise DomainError(messages.CHECK_SUBJECT, status=422)
    rule = latest_rule(session, item)
    facts = matching.subject_facts(session, item, subject_id, now) if subject_id and rule else None
    if facts is None:
        raise NotFound(messages.SUBJECT_NOT_FOUND, code=SUBJECT_NOT_FOUND)
    audit(session, staff, "policy.subject_checked", "policy_item", item.id, subject=item.subject,
          checked_id=subject_id)
    return rules.evaluate(rule.rule, facts)


# ---------------------------------------------------------------------------------------------- citizens

def browse(session: Session, today: date, *, q: str | None, category: str | None, limit: int,
           offset: int) -> tuple[list[PolicyItem], int]:
    """Published items in force: with `q`, those search.py finds in the citizen's own words (best first),
    else newest first; optionally of one category."""
    if q:
        found = [i for i in search.found_items(session, q, today, limit=100)
                 if category is None or i.category == category]
        return found[offset:offset + limit], len(found)
    query = select(PolicyItem).where(*matching.in_force(today))
    if category:
        query = query.where(PolicyItem.category == category)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(PolicyItem.published_at.desc(), PolicyItem.id.desc())
                           .limit(limit).offset(offset))
    return list(rows), total


def public_item(session: Session, item_id: int, today: date) -> PolicyItem:
    item = session.scalars(select(PolicyItem).where(PolicyItem.id == item_id, *matching.in_force(today))
                           ).one_or_none()
    if item is None:
        raise NotFound(messages.ITEM_NOT_FOUND, code=ITEM_NOT_FOUND)
    return item


@dataclass(frozen=True)
class ForMe:
    subject: str
    subject_id: int
    subject_text: str
    evaluation: rules.Evaluation | None      # None: no facts known about them


def for_citizen(session: Session, citizen: Citizen, item: PolicyItem, now: datetime) -> list[ForMe]:
    """The item's published rule on the citizen (when it is about people) or each business they act for."""
    rule = session.get(PolicyRule, item.rule_id)
    found = []
    for subject, subject_id, text in matching.subjects_of_citizen(session, citizen):
        if subject != item.subject:
            continue
        facts = matching.subject_facts(session, item, subject_id, now)
        found.append(ForMe(subject, subject_id, text, rules.evaluate(rule.rule, facts) if facts else None))
    return found


def _visible_matches(citizen_id: int):
    """The citizen's own matches, and those of the businesses they may act for now (a link in force)."""
    return or_(PolicyMatch.citizen_id == citizen_id,
               PolicyMatch.business_id.in_(linked_business_ids(citizen_id, utcnow())))


def citizen_matches(session: Session, citizen_id: int) -> list[PolicyMatch]:
    """The citizen's own matches and those of the businesses they act for, open ones first."""
    return list(session.scalars(select(PolicyMatch).where(_visible_matches(citizen_id)).order_by(
        (PolicyMatch.status != MatchStatus.MATCHED), PolicyMatch.matched_at.desc(), PolicyMatch.id.desc())))


def own_match(session: Session, citizen_id: int, match_id: int, *, lock: bool = False) -> PolicyMatch:
    query = select(PolicyMatch).where(PolicyMatch.id == match_id, _visible_matches(citizen_id))
    match = session.scalars(query.with_for_update(of=PolicyMatch) if lock else query).one_or_none()
    if match is None:
        raise NotFound(messages.MATCH_NOT_FOUND, code=MATCH_NOT_FOUND)
    return match


def grant_of(session: Session, match_id: int) -> PolicyGrant | None:
    return session.scalars(select(PolicyGrant).where(PolicyGrant.match_id == match_id)).one_or_none()


def _require_open(match: PolicyMatch) -> None:
    require_state(match.status, (MatchStatus.MATCHED,), message=messages.MATCH_ANSWERED,
                  names=messages.MATCH_STATUS_NAMES, code=MATCH_ANSWERED)


@dataclass(frozen=True)
class Payout:
    account_name: str
    bank: str
    account_enc: str
    last4: str


def _payout(session: Session, cipher: FieldCipher, citizen: Citizen, match: PolicyMatch, *,
            account_name: str | None, bank: str | None, account_number: str | None) -> Payout:
    """Where the money goes (authority): a business's grant only to the business's account on record (set by its
    representative or by staff), never to an account typed by whoever confirms; a person's only to an account in
    that person's own verified name."""
    if match.business_id is not None:
        business = session.get(Business, match.business_id)
        if business.payout_account_enc is None:
            raise DomainError(messages.BUSINESS_PAYOUT_MISSING, code=PAYOUT_MISSING, status=409)
        number = cipher.decrypt(business.payout_account_enc, context=PAYOUT_CONTEXT)
        if account_number and account_number != number:
            message = messages.BUSINESS_PAYOUT_ONLY.format(last4=business.payout_account_last4)
            raise DomainError(message, code=PAYOUT_NOT_ON_RECORD, status=422, fields={"account_number": message})
        return Payout(business.payout_account_name or business.name, business.payout_bank or "",
                      cipher.encrypt(number, context=ACCOUNT_CONTEXT), business.payout_account_last4 or number[-4:])
    if not citizen.verified:
        raise DomainError(identity_messages.IDENTITY_REQUIRED, code=IDENTITY_UNVERIFIED, status=403)
    missing = {name: messages.FIELD_REQUIRED for name, value in
               (("account_name", account_name), ("bank", bank), ("account_number", account_number)) if not value}
    if missing:
        raise DomainError(messages.PAYOUT_REQUIRED, status=422, fields=missing)
    if not ACCOUNT.match(account_number):
        raise DomainError(messages.ACCOUNT_NUMBER, status=422, fields={"account_number": messages.ACCOUNT_NUMBER})
    if account_name.strip() != citizen.real_name:
        raise DomainError(messages.PAYOUT_OWN_NAME, code=PAYOUT_NOT_ON_RECORD, status=422,
                          fields={"account_name": messages.PAYOUT_OWN_NAME})
    return Payout(account_name.strip(), bank, cipher.encrypt(account_number, context=ACCOUNT_CONTEXT),
                  account_number[-4:])


def _open_grant(session: Session, cipher: FieldCipher, citizen: Citizen, match: PolicyMatch, *,
                account_name: str | None, bank: str | None, account_number: str | None, now: datetime,
                form: dict | None = None) -> PolicyGrant:
    """The grant case of an answered match, in 审核, with the payout account (stored encrypted)."""
    payout = _payout(session, cipher, citizen, match, account_name=account_name, bank=bank,
                     account_number=account_number)
    match.status, match.answered_at, match.answered_by_citizen_id = MatchStatus.CONFIRMED, now, citizen.id
    grant = PolicyGrant(
        reference=new_reference("ZC", now), match_id=match.id, policy_item_id=match.policy_item_id,
        citizen_id=citizen.id, business_id=match.business_id, account_name=payout.account_name, bank=payout.bank,
        account_enc=payout.account_enc, account_last4=payout.last4,
        status=GrantStatus.REVIEWING, matched_at=match.matched_at, confirmed_at=now, form=form)
    session.add(grant)
    session.flush()
    _grant_message(session, grant, match.item, now)
    return grant


def _open_match_of_mode(session: Session, citizen: Citizen, match_id: int, mode: str) -> PolicyMatch:
    match = own_match(session, citizen.id, match_id, lock=True)
    _require_open(match)
    if match.item.mode != mode:
        raise DomainError(messages.WRONG_MODE.format(mode=messages.MODE_NAMES[match.item.mode]), code=WRONG_MODE,
                          status=409)
    return match


def confirm(session: Session, cipher: FieldCipher, citizen: Citizen, match_id: int, *, account_name: str | None,
            bank: str | None, account_number: str | None, now: datetime) -> PolicyGrant:
    """意愿确认 of a 免申即享 match with the payout account: the grant case starts in 审核. Once only (row lock)."""
    match = _open_match_of_mode(session, citizen, match_id, Mode.EXEMPT)
    return _open_grant(session, cipher, citizen, match, account_name=account_name, bank=bank,
                       account_number=account_number, now=now)


@dataclass(frozen=True)
class KnownField:
    label: str
    value: str


def prefilled(session: Session, cipher: FieldCipher, citizen: Citizen, match: PolicyMatch) -> list[KnownField]:
    """快申快享: what the application already knows — the applicant (masked), the business and the facts the
    rule read — so the citizen types none of it again."""
    name = citizen.real_name or ""
    id_number = cipher.decrypt(citizen.id_number_enc, context=ID_NUMBER_CONTEXT) if citizen.id_number_enc else ""
    known = [KnownField(messages.FORM_APPLICANT, mask_name(name)),
             KnownField(messages.FORM_ID_NUMBER, mask_id_number(id_number) if id_number else "")]
    if match.business_id is not None:
        business = session.get(Business, match.business_id)
        known += [KnownField(messages.FORM_BUSINESS, business.name),
                  KnownField(messages.FORM_CREDIT_CODE, business.credit_code),
                  KnownField(messages.FORM_INDUSTRY, business.industry_code),
                  KnownField(messages.FORM_REGISTERED, chinese_date(business.registered_on)),
                  KnownField(messages.FORM_EMPLOYEES, "" if business.employees is None else str(business.employees))]
    return known


def current_phone(cipher: FieldCipher, citizen: Citizen) -> str | None:
    return cipher.decrypt(citizen.phone_enc, context=PHONE_CONTEXT) if citizen.phone_enc else None


def apply_fast(session: Session, cipher: FieldCipher, citizen: Citizen, match_id: int, *, phone: str | None,
               note: str | None, account_name: str | None, bank: str | None, account_number: str | None,
               now: datetime) -> PolicyGrant:
    """快申快享: the prefilled application submitted in one step (only a contact phone, a note and the payout
    account to add); it is reviewed and paid as a 免申即享 grant is. The form is kept as submitted (masked)."""
    match = _open_match_of_mode(session, citizen, match_id, Mode.FAST)
    contact = phone or current_phone(cipher, citizen)
    if not contact:
        raise DomainError(messages.PHONE_REQUIRED, status=422, fields={"phone": messages.PHONE_REQUIRED})
    form = {"fields": [{"label": f.label, "value": f.value} for f in prefilled(session, cipher, citizen, match)],
            "phone": mask_phone(contact), "phone_enc": cipher.encrypt(contact, context=PHONE_CONTEXT),
            "note": note or ""}
    return _open_grant(session, cipher, citizen, match, account_name=account_name, bank=bank,
                       account_number=account_number, now=now, form=form)


def decline(session: Session, citizen: Citizen, match_id: int, now: datetime) -> PolicyMatch:
    match = own_match(session, citizen.id, match_id, lock=True)
    _require_open(match)
    match.status, match.answered_at, match.answered_by_citizen_id = MatchStatus.DECLINED, now, citizen.id
    match.ended_at = now
    return match


def subscriptions(session: Session, citizen_id: int) -> list[str]:
    return list(session.scalars(select(PolicySubscription.category).where(
        PolicySubscription.citizen_id == citizen_id).order_by(PolicySubscription.category)))


def set_subscriptions(session: Session, citizen_id: int, categories: list[str]) -> list[str]:
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        message = messages.SUBSCRIPTION_CATEGORY.format(category="、".join(unknown))
        raise DomainError(message, code=UNKNOWN_CATEGORY, status=422, fields={"categories": message})
    session.execute(delete(PolicySubscription).where(PolicySubscription.citizen_id == citizen_id))
    for category in dict.fromkeys(categories):
        session.add(PolicySubscription(citizen_id=citizen_id, category=category))
    session.flush()
    return subscriptions(session, citizen_id)


# ---------------------------------------------------------------------------------------------- grants (staff)

def staff_grants(session: Session, staff: Staff, status: str | None) -> list[PolicyGrant]:
    query = select(PolicyGrant).join(PolicyItem).join(PolicyDocument).where(
        PolicyDocument.centre_id.in_(visible_centres(staff)))
    if status:
        query = query.where(PolicyGrant.status == status)
    return list(session.scalars(query.order_by(PolicyGrant.confirmed_at.desc()).limit(500)))


def staff_grant(session: Session, staff: Staff, grant_id: int) -> PolicyGrant:
    grant = session.scalars(select(PolicyGrant).join(PolicyItem).join(PolicyDocument).where(
        PolicyGrant.id == grant_id, PolicyDocument.centre_id.in_(visible_centres(staff)))
        .with_for_update(of=PolicyGrant)).one_or_none()
    if grant is None:
        raise NotFound(messages.GRANT_NOT_FOUND, code=GRANT_NOT_FOUND)
    return grant


def _grant_state(grant: PolicyGrant, *allowed: str) -> None:
    require_state(grant.status, allowed, message=messages.GRANT_STATE, names=messages.GRANT_STATUS_NAMES,
                  code=GRANT_STATE)


def review(session: Session, staff: Staff, grant: PolicyGrant, *, approve: bool, reason: str | None,
           now: datetime) -> PolicyGrant:
    """审核: approve (on to 拨付) or reject with a reason the citizen reads."""
    _grant_state(grant, GrantStatus.REVIEWING)
    if not approve and not (reason or "").strip():
        raise DomainError(messages.REASON_REQUIRED, status=422, fields={"reason": messages.REASON_REQUIRED})
    grant.status = GrantStatus.APPROVED if approve else GrantStatus.REJECTED
    grant.reviewed_at, grant.staff_id, grant.reject_reason = now, staff.id, None if approve else reason.strip()
    audit(session, staff, "policy.grant_reviewed", "policy_grant", grant.id, approve=approve)
    _grant_message(session, grant, grant.item, now)
    return grant


def mark_paid(session: Session, staff: Staff, grant: PolicyGrant, now: datetime) -> PolicyGrant:
    """拨付到账."""
    _grant_state(grant, GrantStatus.APPROVED)
    grant.status, grant.paid_at, grant.staff_id = GrantStatus.PAID, now, staff.id
    audit(session, staff, "policy.grant_paid", "policy_grant", grant.id)
    _grant_message(session, grant, grant.item, now)
    return grant


def _grant_message(session: Session, grant: PolicyGrant, item: PolicyItem, now: datetime) -> None:
    if grant.citizen_id is None:
        return
    body = messages.GRANT_BODY[grant.status].format(title=item.title, reference=grant.reference,
                                                    last4=grant.account_last4, reason=grant.reject_reason or "",
                                                    department=item.owner_department)
    insert_drafts(session, [Draft(
        citizen_id=grant.citizen_id, kind="policy_grant", title=messages.GRANT_TITLE, body=body,
        context={"policy": item.title, "reference": grant.reference,
                 "status": messages.GRANT_STATUS_NAMES[grant.status], "tip": body},
        page=matching.match_page(grant.match_id), subject=("policy_grant", grant.id),
        dedupe_key=f"policy_grant:{grant.id}:{grant.status}")], now)


def grant_steps(match: PolicyMatch, grant: PolicyGrant | None) -> list[tuple[str, datetime | None]]:
    """The timeline: 数据比对 → 意愿确认 (快申快享: 在线申请) → 审核 → 拨付到账, each with when it happened."""
    names = messages.FAST_STEPS if match.item.mode == Mode.FAST else messages.GRANT_STEPS
    return [(names[0], match.matched_at), (names[1], grant.confirmed_at if grant else None),
            (names[2], grant.reviewed_at if grant else None), (names[3], grant.paid_at if grant else None)]


# ---------------------------------------------------------------------------------------------- the daily sweep

def _expire(session: Session, item_ids: list[int], now: datetime) -> int:
    return len(session.execute(update(PolicyMatch).where(
        PolicyMatch.policy_item_id.in_(item_ids), PolicyMatch.status == MatchStatus.MATCHED).values(
        status=MatchStatus.EXPIRED, ended_at=now).returning(PolicyMatch.id)).all())


def expire_ended(session: Session, now: datetime) -> int:
    """Open matches expire with their policy (period over, or stopped)."""
    today = local_date(now)
    ended = list(session.scalars(select(PolicyItem.id).where(or_(PolicyItem.status == "retired",
                                                                 PolicyItem.valid_until < today))))
    return _expire(session, ended, now) if ended else 0


def remind_and_expire(session: Session, now: datetime) -> tuple[int, int]:
    """One sweep in one transaction (tests, small runs): (reminded, expired)."""
    expired = expire_ended(session, now)
    reminded = 0
    while (batch := remind_batch(session, now)) == REMIND_BATCH:
        reminded += batch
    return reminded + batch, expired


def remind_batch(session: Session, now: datetime) -> int:
    """One reminder a week after the match for a match still unanswered (not for information-only items),
    REMIND_BATCH at a time (SKIP LOCKED: two sweeps share the work); how many were reminded."""
    today = local_date(now)
    due = session.execute(select(PolicyMatch, PolicyItem).join(PolicyItem).where(
        PolicyMatch.status == MatchStatus.MATCHED, PolicyMatch.reminded_at.is_(None),
        PolicyMatch.matched_at <= now - REMIND_AFTER, PolicyItem.mode != Mode.INFO, *matching.in_force(today))
        .order_by(PolicyMatch.id).limit(REMIND_BATCH).with_for_update(of=PolicyMatch, skip_locked=True)).tuples().all()
    drafts = []
    for match, item in due:
        match.reminded_at = now
        for citizen_id, subject_text in matching.recipients(session, item.subject, match.id):
            drafts.append(Draft(
                citizen_id=citizen_id, kind="policy_reminder", title=messages.REMINDER_TITLE,
                body=messages.REMINDER_BODY.format(subject=subject_text, title=item.title,
                                                   until=chinese_date(item.valid_until)),
                context={"policy": item.title, "benefit": item.benefit, "tip": messages.MATCH_TIP[item.mode]},
                page=matching.match_page(match.id), subject=("policy_match", match.id),
                dedupe_key=f"policy_reminder:{match.id}:{citizen_id}"))
    if drafts:
        insert_drafts(session, drafts, now)
    return len(due)


# ---------------------------------------------------------------------------------------------- person facts

FACT_COLUMNS = ("身份证号", "户籍区划", "残疾等级")
FACT_REQUIRED = FACT_COLUMNS[:2]
REGION = re.compile(r"^\d{6}$")


def _fact_row(row: dict[str, str]) -> dict:
    csv_rows.check_cells(row, FACT_REQUIRED, {}, empty=messages.FACT_ROW_REQUIRED, too_long=messages.FACT_ROW_TOO_LONG)
    id_number = row["身份证号"].upper()
    if not id_number_is_valid(id_number):
        raise ValueError(messages.FACT_ROW_ID)
    if not REGION.match(row["户籍区划"]):
        raise ValueError(messages.FACT_ROW_REGION)
    level = (row.get("残疾等级") or "").strip()
    if level and level not in ("1", "2", "3", "4"):
        raise ValueError(messages.FACT_ROW_DISABILITY)
    try:
        birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        raise ValueError(messages.FACT_ROW_ID) from None
    return {"id_number": id_number, "birth_date": birth, "hukou_region": row["户籍区划"],
            "disability_level": int(level) if level else None}


def import_person_facts(session: Session, cipher: FieldCipher, staff: Staff, csv_text: str, now: datetime) -> list[int]:
    """部门共享数据 (户籍, 残联) by CSV: all rows or none, errors by line; the citizens whose facts these are get
    every rule run over them after commit. Returns those citizens' ids."""
    rows = csv_rows.rows_of(csv_text, FACT_REQUIRED, missing_header=messages.FACT_COLUMNS_MISSING,
                            broken=messages.CSV_BROKEN)
    parsed, _, errors = csv_rows.parse_all(rows, _fact_row, lambda v: v["id_number"],
                                           duplicate=messages.FACT_ROW_DUPLICATE)
    csv_rows.refuse(errors, summary=messages.FACT_CSV_INVALID, parsed=parsed, empty=messages.FACT_CSV_EMPTY)
    hashes = []
    for values in parsed:
        current, *old = cipher.lookup_hashes(values.pop("id_number"), context=ID_NUMBER_CONTEXT)
        hashes += [current, *old]
        upsert = insert(PersonFact).values(id_hash=current, updated_at=now, **values)
        session.execute(upsert.on_conflict_do_update(index_elements=["id_hash"], set_={
            name: upsert.excluded[name] for name in (*values, "updated_at")}))
        if old:   # during a key move: the facts kept under the old hash are these, superseded
            session.execute(delete(PersonFact).where(PersonFact.id_hash.in_(old)))
    citizens = list(session.scalars(select(Citizen.id).where(Citizen.verified_id_hash.in_(hashes))))
    audit(session, staff, "import_person_facts", "person_fact", "csv", rows=len(parsed), citizens=len(citizens))
    facts_changed(session, Subject.PERSON, citizens)
    return citizens
