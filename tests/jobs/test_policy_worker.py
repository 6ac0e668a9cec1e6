"""政策快享 matching in real RQ workers: a worker SIGKILLed in the middle of a chunk leaves
no half-done chunk, and the restarted run ends with exactly the matches (and messages) of an uninterrupted one."""

from datetime import date

import psycopg
from rq import Queue
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from miniapp_api.demo.policies import seed_policies
from miniapp_api.notifications.models import Notification
from miniapp_api.policies.models import MatchTask, PolicyItem, PolicyMatch
from tests.factories import CentreFactory
from tests.policies.conftest import NOW, add_business, add_person, link
from tests.workers import kill_worker_when, run_worker

NIGHTLY = "miniapp_api.policies.jobs.match_nightly"


def build(session, cipher):
    centre = CentreFactory(name="聊城市政务服务中心")
    session.flush()
    for n in range(60):
        citizen = add_person(session, cipher, 9100 + n, birth=date(1940 + n, 1, 1), hukou="371502",
                             disability=(n % 5) or None, centre=centre)
        business = add_business(session, 9100 + n, registered=date(2015 + n % 11, 1, 1), size="micro",
                                employees=n % 20, centre=centre)
        link(session, business, citizen.id)
    session.commit()
    seed_policies(session, NOW, centre=centre)      # published; its inline run has matched them already
    session.commit()
    return centre


def snapshot(session):
    session.expire_all()
    matches = sorted(session.execute(select(PolicyMatch.policy_item_id, PolicyMatch.citizen_id,
                                            PolicyMatch.business_id)).all())
    messages = session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "policy_match"))
    return matches, messages


def waiting_on_a_row(admin: psycopg.Connection) -> bool:
    # This database only: another test run (CI's night-clock runs go side by side) may wait on its own copy.
    return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                         "AND datname = current_database() "
                         "AND query LIKE '%INSERT INTO policy_match%'").fetchone()[0] > 0


def test_a_killed_matching_run_ends_as_an_uninterrupted_one(app, committed_db, redis_client, process_env, settings):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    build(session, cipher)
    expected = snapshot(session)
    assert len(expected[0]) > 100 and expected[1] > 100
    # Forget the matches (as if this were the first run) and run the nightly job in a worker.
    session.execute(Notification.__table__.delete())
    session.execute(PolicyMatch.__table__.delete())
    session.commit()
    Queue("sweeps", connection=redis_client).empty()   # the runs each verification queued: this test is the night's
    item = session.scalars(select(PolicyItem).where(PolicyItem.code == "GXJT-02")).one()
    some_citizen = expected[0][[m[0] for m in expected[0]].index(item.id)][1]

    with psycopg.connect(settings.database_url, autocommit=True) as admin, \
            psycopg.connect(settings.database_url) as blocker:
        # An uncommitted match of the same item and person: the worker's INSERT waits on it, mid-chunk.
        blocker.execute("INSERT INTO policy_match (policy_item_id, rule_id, citizen_id, status, matched_at) "
                        "VALUES (%s, %s, %s, 'matched', now())", (item.id, item.rule_id, some_citizen))
        Queue("sweeps", connection=redis_client).enqueue(NIGHTLY)
        kill_worker_when(process_env, at=NOW, ready=lambda: waiting_on_a_row(admin), what="the held row")
        blocker.rollback()

    session.expire_all()
    done_before = session.scalar(select(func.count()).select_from(MatchTask).where(MatchTask.done_at.is_not(None)))
    open_before = session.scalar(select(func.count()).select_from(MatchTask).where(MatchTask.done_at.is_(None)))
    assert open_before >= 1, "the killed chunk stays open"
    assert snapshot(session) != expected            # the run was really cut short

    # The next night's job (and a retry of it) finishes the open chunks and the new run; nothing twice.
    for _ in range(2):
        Queue("sweeps", connection=redis_client).enqueue(NIGHTLY)
        run_worker(process_env, at=NOW)
    assert snapshot(session) == expected
    assert FailedJobRegistry("sweeps", connection=redis_client).count == 0   # helpers too were enqueued and ran
    assert session.scalar(select(func.count()).select_from(MatchTask).where(MatchTask.done_at.is_(None))) == 0
    assert done_before < session.scalar(select(func.count()).select_from(MatchTask))
