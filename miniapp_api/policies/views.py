"""政策快享: citizens browse policies, see why they are or are not eligible, answer their matches; staff write
rules, publish them, check a subject and handle grant cases."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import select

from miniapp_api.businesses.models import Business
from miniapp_api.platform.auth import STAFF_BEARER, citizen_required, field_cipher
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.privacy import mask_phone
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.platform.unit_of_work import read_only
from miniapp_api.policies import messages, rules, services
from miniapp_api.policies.models import CATEGORIES, PolicyMatch, PolicyRule
from miniapp_api.policies.schemas import (
    ApplyIn,
    BrowseQuery,
    CaseOut,
    CheckIn,
    CheckOut,
    ConditionOut,
    ConfirmIn,
    DocumentIn,
    DocumentOut,
    DocumentPath,
    EligibilityList,
    EligibilityOut,
    FormOut,
    GrantList,
    GrantOut,
    GrantPath,
    GrantQuery,
    ItemIn,
    PolicyItemPath,
    KnownFieldOut,
    MatchList,
    MatchPath,
    PersonFactsIn,
    PersonFactsOut,
    PolicyDetail,
    PolicyList,
    PolicyOut,
    ReviewIn,
    RuleIn,
    RuleSavedOut,
    RuleVersionOut,
    StaffConditionOut,
    StaffItemDetail,
    StaffItemList,
    StaffItemOut,
    SubscriptionsIn,
    SubscriptionsOut,
    match_out,
)
from miniapp_api.staff import permissions
from miniapp_api.staff.guards import staff_role

bp = APIBlueprint("policies", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="政策快享", description="Policies, eligibility and 免申即享")])
staff_bp = APIBlueprint("staff_policies", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                        abp_tags=[Tag(name="政策（工作人员）", description="Rules, publication and grant cases")])
BEARER = [{"bearer": []}]
PAGE_SIZE = 20


# ---------------------------------------------------------------------------------------------- citizens

@bp.get("/policies", responses={200: PolicyList})
@read_only
def browse(query: BrowseQuery):
    """Policies in force, searchable (title, benefit, department, 白话解读) and by category; no login needed."""
    items, total = services.browse(db.session, today(), q=query.q, category=query.category, limit=PAGE_SIZE,
                                   offset=(query.page - 1) * PAGE_SIZE)
    return PolicyList(policies=[PolicyOut.of(i) for i in items], total=total,
                      categories=list(CATEGORIES)).model_dump(mode="json")


@bp.get("/policies/<int:item_id>", responses={200: PolicyDetail})
@read_only
def show_policy(path: PolicyItemPath):
    """One policy with its plain-language summary and its conditions in plain Chinese."""
    item = services.public_item(db.session, path.item_id, today())
    rule = db.session.get(PolicyRule, item.rule_id)
    return PolicyDetail(**PolicyOut.of(item).model_dump(), summary=item.document.summary,
                        issued_on=item.document.issued_on.isoformat(), conditions=rules.describe(rule.rule)
                        ).model_dump(mode="json")


@bp.get("/policies/<int:item_id>/eligibility", responses={200: EligibilityList}, security=BEARER)
@citizen_required
@read_only
def eligibility(path: PolicyItemPath):
    """Whether the caller (or each business they act for) meets the policy, condition by condition."""
    item = services.public_item(db.session, path.item_id, today())
    results = []
    for found in services.for_citizen(db.session, g.citizen, item, utcnow()):
        evaluation = found.evaluation
        results.append(EligibilityOut(
            subject=found.subject, subject_text=found.subject_text, known=evaluation is not None,
            eligible=bool(evaluation and evaluation.eligible),
            conditions=[ConditionOut(fact=o.fact, label=o.label, passed=o.passed, text=o.text)
                        for o in (evaluation.outcomes if evaluation else [])]))
    return EligibilityList(results=results).model_dump(mode="json")


def _subject_text(match: PolicyMatch) -> str:
    if match.business_id is None:
        return messages.SUBJECT_YOU
    name = db.session.scalar(select(Business.name).where(Business.id == match.business_id))
    return messages.SUBJECT_FIRM.format(name=name)


def _match_view(match: PolicyMatch):
    grant = services.grant_of(db.session, match.id)
    return match_out(match, grant, _subject_text(match), services.grant_steps(match, grant))


@bp.get("/policy-matches", responses={200: MatchList}, security=BEARER)
@citizen_required
@read_only
def list_matches():
    """政策快享 found for the caller and the businesses they act for, open ones first, with the 免申即享 steps."""
    return MatchList(matches=[_match_view(m) for m in services.citizen_matches(db.session, g.citizen.id)]
                     ).model_dump(mode="json")


@bp.get("/policy-matches/<int:match_id>", responses={200: MatchList}, security=BEARER)
@citizen_required
@read_only
def show_match(path: MatchPath):
    match = services.own_match(db.session, g.citizen.id, path.match_id)
    return MatchList(matches=[_match_view(match)]).model_dump(mode="json")


@bp.post("/policy-matches/<int:match_id>/confirm", responses={201: GrantOut}, security=BEARER)
@citizen_required
def confirm_match(path: MatchPath, body: ConfirmIn):
    """免申即享 意愿确认 with the payout account: no application, no materials; a grant case starts in 审核."""
    grant = services.confirm(db.session, field_cipher(), g.citizen, path.match_id, account_name=body.account_name,
                             bank=body.bank, account_number=body.account_number, now=utcnow())
    return GrantOut.of(grant).model_dump(mode="json"), 201


@bp.get("/policy-matches/<int:match_id>/form", responses={200: FormOut}, security=BEARER)
@citizen_required
@read_only
def application_form(path: MatchPath):
    """快申快享: the application prefilled from what is known (applicant, business, the facts the rule read)."""
    match = services.own_match(db.session, g.citizen.id, path.match_id)
    cipher = field_cipher()
    phone = services.current_phone(cipher, g.citizen)
    return FormOut(policy=PolicyOut.of(match.item), known=[
        KnownFieldOut(label=f.label, value=f.value) for f in services.prefilled(db.session, cipher, g.citizen, match)],
        phone=mask_phone(phone) if phone else None,
        can_apply=match.status == "matched" and match.item.mode == "fast").model_dump(mode="json")


@bp.post("/policy-matches/<int:match_id>/apply", responses={201: GrantOut}, security=BEARER)
@citizen_required
def apply_match(path: MatchPath, body: ApplyIn):
    """快申快享: submit the prefilled application with a contact phone, a note and the payout account."""
    grant = services.apply_fast(db.session, field_cipher(), g.citizen, path.match_id, phone=body.phone,
                                note=body.note, account_name=body.account_name, bank=body.bank,
                                account_number=body.account_number, now=utcnow())
    return GrantOut.of(grant).model_dump(mode="json"), 201


@bp.post("/policy-matches/<int:match_id>/decline", responses={200: MatchList}, security=BEARER)
@citizen_required
def decline_match(path: MatchPath):
    """Not wanted: recorded, no reminder follows."""
    match = services.decline(db.session, g.citizen, path.match_id, utcnow())
    return MatchList(matches=[_match_view(match)]).model_dump(mode="json")


@bp.get("/me/policy-subscriptions", responses={200: SubscriptionsOut}, security=BEARER)
@citizen_required
@read_only
def get_subscriptions():
    return SubscriptionsOut(categories=services.subscriptions(db.session, g.citizen.id),
                            available=list(CATEGORIES)).model_dump(mode="json")


@bp.put("/me/policy-subscriptions", responses={200: SubscriptionsOut}, security=BEARER)
@citizen_required
def put_subscriptions(body: SubscriptionsIn):
    """The categories whose newly published policies the caller hears of (政策订阅)."""
    categories = services.set_subscriptions(db.session, g.citizen.id, body.categories)
    return SubscriptionsOut(categories=categories, available=list(CATEGORIES)).model_dump(mode="json")


# ---------------------------------------------------------------------------------------------- staff

@staff_bp.get("/policy-items", responses={200: StaffItemList}, security=STAFF_BEARER)
@staff_role(*permissions.POLICY_AUTHOR)
@read_only
def staff_list():
    """The policy items of the caller's centres (drafts too)."""
    return StaffItemList(items=[StaffItemOut.of(i) for i in services.staff_items(db.session, g.staff)]
                         ).model_dump(mode="json")


@staff_bp.post("/policy-documents", responses={201: DocumentOut}, security=STAFF_BEARER)
@staff_role(*permissions.POLICY_AUTHOR)
def create_document(body: DocumentIn):
    document = services.create_document(db.session, g.staff, **body.model_dump())
    return DocumentOut(id=document.id, title=document.title).model_dump(mode="json"), 201


@staff_bp.post("/policy-documents/<int:document_id>/items", responses={201: StaffItemOut}, security=STAFF_BEARER)
@staff_role(*permissions.POLICY_AUTHOR)
def create_item(path: DocumentPath, body: ItemIn):
    item = services.create_item(db.session, g.staff, path.document_id, **body.model_dump())
    return StaffItemOut.of(item).model_dump(mode="json"), 201


@staff_bp.get("/policy-items/<int:item_id>", responses={200: StaffItemDetail}, security=STAFF_BEARER)
@staff_role(*permissions.POLICY_AUTHOR)
@read_only
def staff_show(path: PolicyItemPath):
    item = services.staff_item(db.session, g.staff, path.item_id)
    return StaffItemDetail(**StaffItemOut.of(item).model_dump(), versions=[
        RuleVersionOut.of(r, item) for r in services.rule_versions(db.session, item)]).model_dump(mode="json")


def _cases_out(results: list[rules.CaseResult]) -> list[CaseOut]:
    return [CaseOut(name=r.name, passed=r.passed, expected_eligible=r.expected_eligible, eligible=r.eligible,
                    message=r.message, conditions=[StaffConditionOut.of(o) for o in r.outcomes]) for r in results]


@staff_bp.post("/policy-items/<int:item_id>/rule", responses={201: RuleSavedOut}, security=STAFF_BEARER)
@staff_role(*permissions.POLICY_AUTHOR)
def save_rule(path: PolicyItemPath, body: RuleIn):
    """A new draft version of the rule with its test cases; the answer runs every case."""
    item = services.staff_item(db.session, g.staff, path.item_id)
    saved = services.save_rule(db.session, g.staff, item, body.rule, body.cases)
    return RuleSavedOut(version=RuleVersionOut.of(saved.rule, item), cases=_cases_out(saved.results),
                        all_passed=all(r.passed for r in saved.results)).model_dump(mode="json"), 201


@staff_bp.post("/policy-items/<int:item_id>/publish", responses={200: StaffItemOut}, security=STAFF_BEARER)
@staff_role(*permissions.POLICY_PUBLISH)
def publish(path: PolicyItemPath):
    """Publish the latest rule version (all its test cases must pass); matching starts at once."""
    item = services.staff_item(db.session, g.staff, path.item_id)
    services.publish(db.session, g.staff, item, utcnow())
    return StaffItemOut.of(item).model_dump(mode="json")


@staff_bp.post("/policy-items/<int:item_id>/retire", responses={200: StaffItemOut}, security=STAFF_BEARER)
@staff_role(*permissions.POLICY_PUBLISH)
def retire(path: PolicyItemPath):
    item = services.staff_item(db.session, g.staff, path.item_id)
    services.retire(db.session, g.staff, item, utcnow())
    return StaffItemOut.of(item).model_dump(mode="json")


@staff_bp.post("/policy-items/<int:item_id>/check", responses={200: CheckOut}, security=STAFF_BEARER)
@staff_role(*permissions.POLICY_AUTHOR)
def check(path: PolicyItemPath, body: CheckIn):
    """One person's (by ID number) or business's (by credit code) evaluation, condition by condition."""
    item = services.staff_item(db.session, g.staff, path.item_id)
    evaluation = services.check_subject(db.session, field_cipher(), g.staff, item, id_number=body.id_number,
                                        credit_code=body.credit_code, now=utcnow())
    return CheckOut(eligible=evaluation.eligible, conditions=[StaffConditionOut.of(o) for o in evaluation.outcomes]
                    ).model_dump(mode="json")


@staff_bp.get("/policy-grants", responses={200: GrantList}, security=STAFF_BEARER)
@staff_role(*permissions.POLICY_GRANTS)
@read_only
def list_grants(query: GrantQuery):
    """免申即享 grant cases of the caller's centres' policies."""
    return GrantList(grants=[GrantOut.of(x) for x in services.staff_grants(db.session, g.staff, query.status)]
                     ).model_dump(mode="json")


@staff_bp.post("/policy-grants/<int:grant_id>/review", responses={200: GrantOut}, security=STAFF_BEARER)
@staff_role(*permissions.POLICY_GRANTS)
def review_grant(path: GrantPath, body: ReviewIn):
    """审核: approve, or reject with a reason the citizen reads."""
    grant = services.staff_grant(db.session, g.staff, path.grant_id)
    services.review(db.session, g.staff, grant, approve=body.approve, reason=body.reason, now=utcnow())
    return GrantOut.of(grant).model_dump(mode="json")


@staff_bp.post("/policy-grants/<int:grant_id>/paid", responses={200: GrantOut}, security=STAFF_BEARER)
@staff_role(*permissions.POLICY_GRANTS)
def grant_paid(path: GrantPath):
    """拨付到账: the payment went out; the citizen is told."""
    grant = services.staff_grant(db.session, g.staff, path.grant_id)
    services.mark_paid(db.session, g.staff, grant, utcnow())
    return GrantOut.of(grant).model_dump(mode="json")


@staff_bp.post("/person-facts/import", responses={200: PersonFactsOut}, security=STAFF_BEARER)
@staff_role(*permissions.PERSON_FACTS_IMPORT)
def import_person_facts(body: PersonFactsIn):
    """部门共享数据 (户籍区划, 残疾等级) by CSV, all rows or none; matching reruns over the people concerned."""
    citizens = services.import_person_facts(db.session, field_cipher(), g.staff, body.csv, utcnow())
    return PersonFactsOut(citizens=len(citizens)).model_dump(mode="json")
