"""Real RQ workers: the licence sweep run twice sends one WeChat message; a completion event gets dispatched."""

from datetime import datetime, timedelta

from rq import Queue

from miniapp_api.applications import services
from miniapp_api.applications.models import ApplicationStatus as S
from miniapp_api.licences.services import import_csv
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.services import record_consents
from miniapp_api.notifications.templates import load_templates
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.models import DomainEvent
from tests.factories import CentreFactory, ItemFactory, WindowFactory, citizen_with_identity, id_number, make_staff
from tests.workers import run_worker

HEADER = "证照类型,证照编号,持证类型,持证人,统一社会信用代码,联系人身份证号,发证日期,到期日期,延续事项编码"
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def test_licence_sweep_twice_through_workers_reaches_wechat_once(app, committed_db, wechat, redis_client,
                                                                 process_env):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    centre = CentreFactory()
    renewal = ItemFactory(code="FOOD-RENEW-W")
    WindowFactory(centre_id=centre.id, items=[renewal])
    holder = citizen_with_identity(session, cipher, 4242, name="刘洋")
    template = load_templates()["licence_expiry"].template_id
    wechat.state.session_keys[holder.openid] = "k"
    wechat.control("POST", "consents", openid=holder.openid, template_id=template, kind="long_term")
    record_consents(session, holder.id, {template: "accept"}, MONDAY_10AM)
    expires = MONDAY_10AM.date() + timedelta(days=80)
    import_csv(session, cipher, f"{HEADER}\n食品经营许可证,JY-W1,个人,刘洋,,{id_number(4242)},2021-01-01,{expires},"
                                f"FOOD-RENEW-W\n", issuing_centre_id=centre.id, now=MONDAY_10AM)
    session.commit()

    for _ in range(2):
        Queue("sweeps", connection=redis_client).enqueue("miniapp_api.licences.jobs.licence_expiry_reminders")
        run_worker(process_env, at=MONDAY_10AM)
    rows = session.query(Notification).filter_by(kind="licence_expiry").all()
    assert len(rows) == 1 and "还有80天" in rows[0].body
    inbox = wechat.inbox(openid=holder.openid, template_id=template)
    assert len(inbox) == 1 and rows[0].status == "sent"
    assert inbox[0]["data"]["character_string2"] == "JY-W1"


def test_a_completed_application_is_dispatched_by_a_worker(app, committed_db, redis_client, process_env):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    centre = CentreFactory()
    item = ItemFactory()
    WindowFactory(centre_id=centre.id, items=[item])
    staff = make_staff(session, [centre])
    application = services.intake(session, cipher, staff, item_code=item.code, centre_id=centre.id,
                                  applicant=services.Applicant("person", "李娜", id_number=id_number(3)),
                                  now=MONDAY_10AM, accept=services.Advance(S.ACCEPTED))
    for step in (S.IN_REVIEW, S.APPROVED, S.COMPLETED):
        services.advance(session, staff, application, services.Advance(step), MONDAY_10AM)
    session.commit()
    run_worker(process_env, at=MONDAY_10AM)
    session.expire_all()
    event = session.query(DomainEvent).filter_by(subject_id=application.id).one()
    assert event.dispatched_at is not None
