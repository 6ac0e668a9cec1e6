"""Real RQ worker: feedback filed while WeChat's content check was down is checked by the job afterwards."""

import subprocess
import sys

from miniapp_api.clock import utcnow
from miniapp_api.feedback import services
from miniapp_api.feedback.models import Feedback, FeedbackKind
from miniapp_api.wechat import WeChatGateway
from tests.factories import CentreFactory


def test_the_late_content_check_runs_in_a_worker(app, committed_db, wechat, redis_client, process_env, settings):
    session = committed_db.session
    centre = CentreFactory()
    from miniapp_api.citizens.models import Citizen

    citizen = Citizen(openid="o-late-check")
    session.add(citizen)
    session.commit()
    wechat.state.session_keys[citizen.openid] = "k"
    gateway = WeChatGateway(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base, redis_client,
                            settings.wechat_timeout_seconds)
    wechat.fault("msg_sec_check", errcode=-1)
    feedback = services.file_feedback(session, gateway, citizen, services.FeedbackIn(
        kind=FeedbackKind.SUGGESTION, text="建议大厅增加老年人专用座椅", centre_id=centre.id), utcnow())
    session.commit()
    assert feedback.content_check == "unchecked"
    wechat.control("DELETE", "faults")
    result = subprocess.run([sys.executable, "-m", "miniapp_api.cli", "worker", "--burst"], env=process_env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    session.expire_all()
    assert session.get(Feedback, feedback.id).content_check == "pass"
