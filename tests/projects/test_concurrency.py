"""Two schedulers' sweeps (or a retried job) running at once still tell each person once per overdue milestone
(real threads, each on its own PostgreSQL connection)."""

from sqlalchemy import func, select

from miniapp_api.projects import services
from miniapp_api.staff.models import StaffNotice
from tests.concurrency import attempt, run_together
from tests.factories import MONDAY_8AM, build_hall, business_with_agent, make_staff
from tests.projects.world import PLAN, key_project


def test_four_sweeps_at_once_flag_each_overdue_milestone_once(app, committed_db, connections):
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    manager = make_staff(session, [hall.centre], ("centre_manager",))
    officer = make_staff(session, [hall.centre], ("window_staff",))
    business, *_ = business_with_agent(session, app.extensions["banshi.cipher"], 3701, now=MONDAY_8AM)
    key_project(session, manager, hall.centre, business, manager, officers=[(officer, "发改局")], milestones=PLAN)
    session.commit()

    outcomes = run_together(4, lambda _: attempt(connections, lambda own: services.overdue_sweep(own, MONDAY_8AM)))
    assert sum(outcomes) == 2, outcomes          # 立项 (11-10) and 用地 (11-20) are past on 11-23
    assert session.scalar(select(func.count()).select_from(StaffNotice).where(
        StaffNotice.subject_type == "key_project")) == 4    # two milestones × (lead + officer)
