"""Facts about people or businesses changed — a face verification, the business registry's import, a department's
shared data: every policy rule in force runs over them again once the change commits (matches added, ended ones
withdrawn). One path for every domain that changes such facts; the policies domain's job is named by string, as
every job is, so none of them imports policies."""

from __future__ import annotations

from sqlalchemy.orm import Session

from miniapp_api.platform.unit_of_work import enqueue_after_commit

MATCH_CHANGED_JOB = "miniapp_api.policies.jobs.match_changed"
CHUNK = 5000      # subjects per matching job


def facts_changed(session: Session, subject: str, ids: list[int]) -> None:
    """`subject`: "person" (citizen ids) or "business" (business ids)."""
    for start in range(0, len(ids), CHUNK):
        enqueue_after_commit(session, "sweeps", MATCH_CHANGED_JOB, str(subject), ids[start:start + CHUNK])
