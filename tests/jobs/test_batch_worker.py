"""A member list's batch created by a real RQ worker, on the test's clock: every member exactly once, even when the
job runs twice."""

from __future__ import annotations

from datetime import datetime

import pytest
from rq import Queue
from sqlalchemy import func, select

from miniapp_api.applications import batches
from miniapp_api.applications.models import Application, ApplicationBatch
from miniapp_api.applications.services import Applicant
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.queues import redis_store
from tests.factories import CentreFactory, ItemFactory, WindowFactory, id_number, make_staff
from tests.workers import run_worker

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def test_a_real_worker_creates_all_members_once(app, committed_db, process_env):
    session = committed_db.session
    centre = CentreFactory(region="开发区")
    item = ItemFactory(name="特种设备作业人员证复审", audience="citizen")
    WindowFactory(centre_id=centre.id, items=[item])
    clerk = make_staff(session, [centre], ("window_staff",))
    members = [Applicant("person", f"作业人员{n}", id_number=id_number(4000 + n)) for n in range(250)]
    batch = batches.queue_batch(session, app.extensions["banshi.cipher"], clerk, item_code=item.code,
                                centre_id=centre.id, title="叉车司机复审", business_name="某物流公司", credit_code=None,
                                members=members, now=NOW)
    batch_id = batch.id
    session.commit()                                       # the job goes to Redis only now
    assert Queue("default", connection=redis_store.client).count == 1
    run_worker(process_env, at=NOW)
    session.expire_all()
    created = session.get(ApplicationBatch, batch_id)
    assert (created.members_created, created.import_status, created.members_enc) == (250, "done", None)
    # The same job again (a retry after a lost acknowledgement): nothing more.
    Queue("default", connection=redis_store.client).enqueue(batches.CREATE_JOB, batch_id)
    run_worker(process_env, at=NOW)
    assert session.scalar(select(func.count()).select_from(Application).where(Application.batch_id == batch_id)) == 250
    assert session.scalar(select(func.count(func.distinct(Application.id_number_hash)))
                          .where(Application.batch_id == batch_id)) == 250
