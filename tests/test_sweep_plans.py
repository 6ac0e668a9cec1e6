"""Every sweep reads only due rows through an index, so its cost follows the due rows, not the table.

Each sweep runs against the real database while its statements are recorded; each statement is then
EXPLAINed with the planner told to avoid sequential scans (`enable_seqscan = off`). It still picks a
sequential scan only when no index can serve the statement, so a Seq Scan on a growing table is a sweep
that would read the whole table every time it runs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text

from miniapp_api.accounts import retention
from miniapp_api.accounts.services import erase_due
from miniapp_api.applications.services import flag_overdue_materials
from miniapp_api.appointments.services import mark_no_shows
from miniapp_api.appointments.waitlist import expire_offers
from miniapp_api.assistance.services import contact_sweep
from miniapp_api.feedback.services import sla_sweep, sweep_unchecked
from miniapp_api.files.services import drop_unused
from miniapp_api.licences.services import sweep_expiry_reminders
from miniapp_api.mydata.services import expire_due, restart_stuck
from miniapp_api.notifications.delivery import due_for_enqueue, mark_stuck_unknown
from miniapp_api.platform.db import db
from miniapp_api.projects.services import overdue_sweep as project_overdue_sweep
from miniapp_api.ratings.rectifications import overdue_sweep
from miniapp_api.surveys.services import remind_and_expire, send_due

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
# Tables that grow with every citizen, booking and message; the catalogue (centres, items, windows) does not.
GROWING = {"appointment", "appointment_item", "appointment_slot", "notification", "feedback", "feedback_event",
           "application", "application_event", "licence", "survey_invitation", "rating", "rectification",
           "citizen", "ticket", "slot", "domain_event", "audit_log", "booking_suspension",
           "waitlist_entry", "waitlist_offer", "face_verification", "stored_file", "file_attachment",
           "data_export", "assistance_request", "assistance_event", "project_milestone"}

SWEEPS = {
    "no-shows": lambda session: mark_no_shows(session, NOW),
    "due notifications": lambda session: due_for_enqueue(session, NOW),
    "stuck notifications": lambda session: mark_stuck_unknown(session, NOW),
    "overdue materials": lambda session: flag_overdue_materials(session, NOW),
    "licence reminders": lambda session: sweep_expiry_reminders(session, NOW),
    "feedback SLA": lambda session: sla_sweep(session, NOW),
    "assistance first contact": lambda session: contact_sweep(session, NOW),
    "unchecked feedback": lambda session: sweep_unchecked(session, None, NOW),  # no rows: never calls WeChat
    "overdue rectifications": lambda session: overdue_sweep(session, NOW),
    "overdue project milestones": lambda session: project_overdue_sweep(session, NOW),
    "survey invitations": lambda session: send_due(session, NOW),
    "survey reminders": lambda session: remind_and_expire(session, NOW),
    "waitlist offers": lambda session: expire_offers(session, NOW),
    "retention purge": lambda session: retention.purge(session, NOW),
    "unused uploads": lambda session: drop_unused(session, NOW),
    "account erasure": lambda session: erase_due(session, None, NOW, grace=timedelta(hours=1)),  # none due
    "expired data exports": lambda session: expire_due(session, NOW),
    "stuck data exports": lambda session: restart_stuck(session, NOW),
}


def _scans(plan: dict) -> list[tuple[str, str | None]]:
    found = [(plan["Node Type"], plan.get("Relation Name"))]
    for child in plan.get("Plans", []):
        found.extend(_scans(child))
    return found


@pytest.mark.parametrize("sweep", SWEEPS)
def test_a_sweep_reads_its_due_rows_through_an_index(db_session, sweep):
    recorded: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        recorded.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        SWEEPS[sweep](db_session)
        db_session.flush()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    reads = [(sql, params) for sql, params in recorded
             if sql.lstrip().split(None, 1)[0].upper() in {"SELECT", "UPDATE", "DELETE", "WITH"}
             and any(table in sql for table in GROWING)]
    assert reads, f"the {sweep} sweep ran no statement on a growing table"
    connection = db_session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    try:
        for sql, params in reads:
            plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql, params).scalar()
            plan = plan if isinstance(plan, list) else json.loads(plan)
            full_scans = [relation for node, relation in _scans(plan[0]["Plan"])
                          if node == "Seq Scan" and relation in GROWING]
            assert not full_scans, f"{sweep}: a full scan of {full_scans} in\n{sql}"
    finally:
        connection.execute(text("SET LOCAL enable_seqscan = on"))
