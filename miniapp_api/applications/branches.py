"""分支机构批量变更 filed online: a business's agent lists its branches (a form, or the XLSX/CSV list read by
member_lists.parse), passes one real-name check (the agent's own face-verified identity), hands in one set of
shared materials, and files once. The filing is a batch (批量办理's own model) that is the parent case, with one
child case per branch waiting for 预审; staff accept, send to 补正, approve or refuse each child as any other case
(console, staff API, the batch page). A child sent to 补正 asks the agent; the branch that ends last completes the
parent once and sends one message listing every branch's outcome (services._complete_branch_filing_if_last).

Authority: whoever acts for the business now (`own_business`: its representative or an agent in force) files and
follows its branch filings; anyone else, an ended agent included, gets 404 for the business (existence is not
leaked), and the branch cases drop out of an ended agent's list at once (services._owned_by).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.applications import messages, services
from miniapp_api.applications.models import Application, ApplicationBatch, ApplicationStatus
from miniapp_api.businesses.models import Business
from miniapp_api.centres.models import ServiceItem
from miniapp_api.businesses.services import own_business
from miniapp_api.citizens.models import Citizen
from miniapp_api.files import services as files
from miniapp_api.identity.services import require_verified
from miniapp_api.platform.errors import VALIDATION_FAILED, DomainError, NotFound
from miniapp_api.platform.privacy import FieldCipher

S = ApplicationStatus
BRANCH_FILING_NOT_FOUND = "branch_filing_not_found"
# Filed in one request, every branch case in one transaction: a chain's list (Yanggu's pharmacies: 30) fits; a
# longer one is filed in parts, or staff import it at the counter (their batches are created by a worker).
MAX_BRANCHES = 200
MATERIAL_KINDS = ("image", "pdf")
MAX_LIST_BYTES = 900_000            # an uploaded branch list, as the console's batch upload


@dataclass(frozen=True)
class Branch:
    name: str
    credit_code: str


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, code=VALIDATION_FAILED, status=422, fields={field: message})


def file_branches(session: Session, cipher: FieldCipher, citizen: Citizen, *, business_id: int, item_code: str,
                  centre_id: int, title: str, branches: list[Branch], material_ids: list[int],
                  now: datetime) -> ApplicationBatch:
    """One filing for many branches: checked whole (nothing is created when anything is wrong), then the parent
    (a batch of the business, filed by the caller) with the shared materials attached once, and a child case per
    branch waiting for 预审."""
    # Whoever acts for the business now (anyone else: 404); a link is in force only while its citizen is
    # face-verified, and that verified identity is the filing's one real-name check.
    business, _ = own_business(session, citizen.id, business_id, now)
    require_verified(citizen)
    if not branches:
        raise _invalid("branches", messages.BRANCHES_NEEDED)
    if len(branches) > MAX_BRANCHES:
        raise _invalid("branches", messages.BRANCHES_TOO_MANY.format(max=MAX_BRANCHES))
    seen: dict[str, int] = {}
    for position, branch in enumerate(branches):
        code = branch.credit_code.upper()
        if code == business.credit_code:
            raise _invalid(f"branches[{position}].credit_code", messages.BRANCH_IS_THE_BUSINESS)
        if code in seen:
            raise _invalid(f"branches[{position}].credit_code", messages.MEMBER_DUPLICATE.format(
                column="统一社会信用代码", row=seen[code] + 1))
        seen[code] = position
    # A branch that is itself a business registered here is filed only by someone who acts for it too: a typed
    # code never files (and, once approved, renews licences) in another business's name.
    for other in session.scalars(select(Business).where(Business.credit_code.in_(list(seen)))):
        try:
            own_business(session, citizen.id, other.id, now)
        except NotFound:
            raise _invalid(f"branches[{seen[other.credit_code]}].credit_code", messages.BRANCH_OF_ANOTHER) from None
    item = session.scalars(select(ServiceItem).where(ServiceItem.code == item_code)).one_or_none()
    if item is None:
        raise _invalid("item_code", messages.ITEM_NOT_AT_CENTRE)
    services.check_item_at_centre(session, item, centre_id)
    files.check_usable(session, citizen.id, material_ids, kinds=MATERIAL_KINDS, field="material_ids")
    batch = services.new_batch(session, None, item=item, centre_id=centre_id, title=title,
                               business_name=business.name, credit_code=business.credit_code, agent_id=citizen.id,
                               now=now, business_id=business.id)
    batch.member_total = batch.members_created = len(branches)
    files.attach(session, citizen.id, material_ids, subject=("batch", batch.id), centre_id=centre_id,
                 field="material_ids", kinds=MATERIAL_KINDS, now=now)
    note = messages.BRANCH_FILING_NOTE.format(title=title, reference=batch.reference)
    for branch in branches:
        services.add_batch_member(session, cipher, None, batch,
                                  services.Applicant("business", branch.name, credit_code=branch.credit_code.upper()),
                                  now, filed_by=citizen.id, public_note=note)
    session.flush()
    return batch


def _business(session: Session, citizen_id: int, business_id: int, now: datetime) -> Business:
    return own_business(session, citizen_id, business_id, now)[0]


def business_branch_filings(session: Session, citizen_id: int, business_id: int,
                            now: datetime) -> list[tuple[ApplicationBatch, str, int]]:
    """The business's branch filings, newest first, each with its phase and branch count, for whoever acts for
    it now."""
    business = _business(session, citizen_id, business_id, now)
    batches = list(session.scalars(select(ApplicationBatch).where(ApplicationBatch.business_id == business.id)
                                   .order_by(ApplicationBatch.id.desc()).limit(50)))
    waiting = set(session.scalars(select(Application.batch_id).where(
        Application.batch_id.in_([b.id for b in batches]), Application.status == S.NEEDS_CORRECTION)))
    return [(b, "completed" if b.completed_at else "needs_correction" if b.id in waiting else "in_progress",
             b.member_total) for b in batches]


@dataclass(frozen=True)
class BranchRow:
    reference: str
    name: str
    credit_code: str
    status: str
    state: str                      # in Chinese: 审查中, 待补正, 已办结（准予）...
    outcome: str | None             # approved | rejected, once decided


@dataclass(frozen=True)
class BranchFiling:
    batch: ApplicationBatch
    branches: list[BranchRow]
    materials: list[int]            # the shared materials' file ids

    @property
    def phase(self) -> str:
        statuses = {b.status for b in self.branches}
        if self.batch.completed_at is not None:
            return "completed"
        return "needs_correction" if S.NEEDS_CORRECTION in statuses else "in_progress"


def branch_filing(session: Session, citizen_id: int, business_id: int, reference: str,
                  now: datetime) -> BranchFiling:
    """One branch filing with each branch's state and outcome, for whoever acts for the business now."""
    business = _business(session, citizen_id, business_id, now)
    batch = session.scalars(select(ApplicationBatch).where(ApplicationBatch.reference == reference,
                                                           ApplicationBatch.business_id == business.id)).one_or_none()
    if batch is None:
        raise NotFound(messages.BRANCH_FILING_NOT_FOUND, code=BRANCH_FILING_NOT_FOUND)
    children = list(session.scalars(select(Application).where(Application.batch_id == batch.id)
                                    .order_by(Application.id)))
    decisions = services.branch_decisions(session, batch.id)
    rows = [BranchRow(c.reference, c.applicant_name, c.credit_code or "", c.status,
                      services.branch_state(c, decisions.get(c.id)), decisions.get(c.id)) for c in children]
    return BranchFiling(batch, rows, [f.id for f in files.files_of(session, ("batch", batch.id))])
