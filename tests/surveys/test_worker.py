"""Real RQ worker: a completed application becomes a survey invitation, which the send job delivers."""

from datetime import datetime, timedelta

from rq import Queue

from miniapp_api.applications import services as applications
from miniapp_api.applications.models import ApplicationStatus as S
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.surveys.models import InvitationRule, SurveyInvitation
from miniapp_api.surveys.services import ensure_defaults
from tests.factories import CentreFactory, ItemFactory, WindowFactory, citizen_with_identity, id_number, make_staff
from tests.workers import run_worker

MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def test_completion_to_invitation_to_message_through_workers(app, committed_db, redis_client, process_env):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    ensure_defaults(session)
    session.query(InvitationRule).filter_by(trigger="application.completed").update({"delay_minutes": 0})
    centre, item = CentreFactory(), ItemFactory()
    WindowFactory(centre_id=centre.id, items=[item])
    staff = make_staff(session, [centre])
    citizen = citizen_with_identity(session, cipher, 31)
    application = applications.intake(session, cipher, staff, item_code=item.code, centre_id=centre.id,
                                      applicant=applications.Applicant("person", "张三", id_number=id_number(31)),
                                      now=MONDAY_10AM, accept=applications.Advance(S.ACCEPTED))
    application.citizen_id = citizen.id
    for step in (S.IN_REVIEW, S.APPROVED, S.COMPLETED):
        applications.advance(session, staff, application, applications.Advance(step), MONDAY_10AM)
    session.commit()

    run_worker(process_env, at=MONDAY_10AM)                      # the dispatch job enqueued at commit
    session.expire_all()
    [invitation] = session.query(SurveyInvitation).all()
    assert (invitation.subject_type, invitation.subject_id, invitation.citizen_id) == (
        "application", application.id, citizen.id)
    for _ in range(2):                           # the scheduler's job, run twice
        Queue("sweeps", connection=redis_client).enqueue("miniapp_api.surveys.jobs.send_due_invitations")
        run_worker(process_env, at=MONDAY_10AM + timedelta(minutes=1))
    session.expire_all()
    invitation = session.get(SurveyInvitation, invitation.id)
    assert invitation.status == "sent"
    assert session.query(Notification).filter_by(kind="survey_invitation").count() == 1
