"""Applications and licences under real concurrency: threads on their own connections."""

from datetime import datetime, timedelta

import pytest

from miniapp_api.applications import services
from miniapp_api.applications.models import Application, ApplicationEvent
from miniapp_api.applications.models import ApplicationStatus as S
from miniapp_api.licences.models import Licence
from miniapp_api.licences.services import sweep_expiry_reminders
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.staff.models import Staff
from tests.appointments.conftest import MONDAY_8AM
from tests.concurrency import attempt, run_together
from tests.factories import CentreFactory, ItemFactory, WindowFactory, citizen_with_identity, id_number, make_staff


@pytest.fixture
def case(app, committed_db):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    centre = CentreFactory()
    item = ItemFactory(time_limit_working_days=5)
    WindowFactory(centre_id=centre.id, items=[item])
    staff = make_staff(session, [centre])
    application = services.intake(session, cipher, staff, item_code=item.code, centre_id=centre.id,
                                  applicant=services.Applicant("person", "李娜", id_number=id_number(2)),
                                  now=MONDAY_8AM, accept=services.Advance(S.ACCEPTED))
    services.advance(session, staff, application, services.Advance(S.IN_REVIEW), MONDAY_8AM)
    session.commit()
    return application.reference, staff.id


def test_two_staff_deciding_one_case_at_once_decide_it_once(case, connections, committed_db):
    reference, staff_id = case

    def decide(index: int) -> str:
        target = S.APPROVED if index % 2 else S.REJECTED
        def act(session):
            staff = session.get(Staff, staff_id)
            application = services.staff_application(session, staff, reference, lock=True)
            services.advance(session, staff, application, services.Advance(target), MONDAY_8AM)
            return target.value
        return attempt(connections, act)

    outcomes = run_together(8, decide)
    decided = [o for o in outcomes if o in ("approved", "rejected")]
    assert len(decided) == 1 and outcomes.count("illegal_transition") == 7
    session = committed_db.session
    application = session.query(Application).filter_by(reference=reference).one()
    assert application.status == decided[0]
    decisions = session.query(ApplicationEvent).filter(ApplicationEvent.application_id == application.id,
                                                       ApplicationEvent.to_status.in_(["approved", "rejected"]))
    assert decisions.count() == 1


def test_licence_sweeps_running_at_once_send_each_reminder_once(app, committed_db, connections):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    centre = CentreFactory()
    today = MONDAY_8AM.date()
    for n in range(1, 301):
        holder = citizen_with_identity(session, cipher, n)
        session.add(Licence(licence_type="食品经营许可证", number=f"JY-C{n}", holder_type="person",
                            holder_name="持证人", contact_id_hash=holder.id_number_hash, issuing_centre_id=centre.id,
                            issued_on=today - timedelta(days=1800), expires_on=today + timedelta(days=30 + n % 60),
                            next_reminder_on=today - timedelta(days=n % 3)))
    session.commit()
    nine = datetime.combine(today, datetime.min.time().replace(hour=9), SHANGHAI)

    def sweep(_index: int) -> int:
        with connections() as own:
            reminded = sweep_expiry_reminders(own, nine).reminded   # one chunk: the 300 fit in it
            own.commit()
            return reminded

    reminded = run_together(4, sweep)
    assert sum(reminded) == 300
    rows = session.query(Notification).filter_by(kind="licence_expiry").all()
    assert len(rows) == 300 and len({r.citizen_id for r in rows}) == 300
