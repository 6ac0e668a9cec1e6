"""Real RQ worker: feedback filed while WeChat's content check was down is checked by the job afterwards."""

from datetime import datetime

from miniapp_api.citizens.models import Citizen
from miniapp_api.feedback import services
from miniapp_api.feedback.models import Feedback, FeedbackKind
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.wechat import WeChatGateway
from tests.factories import CentreFactory
from tests.workers import run_worker

MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def test_the_late_content_check_runs_in_a_worker(app, committed_db, wechat, redis_client, process_env, settings):
    session = committed_db.session
    centre = CentreFactory()

    citizen = Citizen(openid="o-late-check")
    session.add(citizen)
    session.commit()
    wechat.state.session_keys[citizen.openid] = "k"
    gateway = WeChatGateway(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base, redis_client,
                            settings.wechat_timeout_seconds)
    wechat.fault("msg_sec_check", errcode=-1)
    feedback = services.file_feedback(session, gateway, citizen, services.FeedbackIn(
        kind=FeedbackKind.SUGGESTION, text="建议大厅增加老年人专用座椅", centre_id=centre.id), MONDAY_10AM)
    session.commit()
    assert feedback.content_check == "unchecked"
    wechat.control("DELETE", "faults")
    run_worker(process_env, at=MONDAY_10AM)
    session.expire_all()
    assert session.get(Feedback, feedback.id).content_check == "pass"
