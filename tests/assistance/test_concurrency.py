"""Two staff taking the same 帮办 request at once, or a manager assigning it while a helper takes it: exactly one
wins (real threads, each on its own PostgreSQL connection)."""

from sqlalchemy import select

from miniapp_api.assistance import services
from miniapp_api.assistance.models import AssistanceEvent, AssistanceRequest
from miniapp_api.notifications.models import Notification
from miniapp_api.staff.models import Staff
from tests.assistance.conftest import Desk
from tests.concurrency import attempt, run_together
from tests.factories import MONDAY_8AM


def test_of_eight_staff_taking_or_assigning_one_request_at_once_exactly_one_wins(app, committed_db, connections):
    session = committed_db.session
    desk = Desk(session, app.extensions["banshi.cipher"])
    takers = [desk.helper.id, desk.second.id]
    request = desk.ask()
    session.commit()
    request_id, manager_id, helper_id = request.id, desk.manager.id, desk.helper.id

    def act(index: int):
        def work(own):
            if index % 2:   # the manager assigns it to the first helper
                staff = own.get(Staff, manager_id)
                services.assign(own, staff, request_id, helper_id, MONDAY_8AM)
                return ("assigned", helper_id)
            staff = own.get(Staff, takers[index // 2 % 2])
            services.assign(own, staff, request_id, staff.id, MONDAY_8AM)
            return ("took", staff.id)
        return attempt(connections, work)

    outcomes = run_together(8, act)
    wins = [o for o in outcomes if o != services.ALREADY_TAKEN]
    assert len(wins) == 1, outcomes
    assert outcomes.count(services.ALREADY_TAKEN) == 7
    session.expire_all()
    stored = session.get(AssistanceRequest, request_id)
    assert (stored.status, stored.helper_staff_id) == ("assigned", wins[0][1])
    # One assignment in the timeline, one message to the requester.
    assert session.scalars(select(AssistanceEvent.kind).where(AssistanceEvent.request_id == request_id)).all() \
        == ["submitted", "assigned"]
    assert session.scalars(select(Notification.kind).where(Notification.subject_id == request_id)).all() \
        == ["assistance_assigned"]
