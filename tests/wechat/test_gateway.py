"""Our wechatpy-based gateway against the emulator, over real HTTP, with the token in real Redis."""

import threading

import pytest

from miniapp_api.wechat import WeChatError, WeChatGateway

TEMPLATE = "tmpl-appointment-reminder"
KEYS = ["thing1", "time2", "thing3", "character_string4"]
GOOD_DATA = {"thing1": "营业执照（设立登记）", "time2": "2026年11月24日 09:30", "thing3": "聊城市政务服务中心",
             "character_string4": "A012"}


@pytest.fixture
def make_gateway(settings, redis_client):
    def build() -> WeChatGateway:
        return WeChatGateway(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base, redis_client)
    return build


@pytest.fixture
def user(wechat, make_gateway) -> str:
    """An openid that has logged in (WeChat only knows users who opened the app)."""
    wechat.control("PUT", f"templates/{TEMPLATE}", keys=KEYS)
    return make_gateway().code_to_session(wechat.login_code("o-reader")).openid


def stats(wechat) -> dict:
    return wechat.control("GET", "stats").json()


def test_code_to_session_needs_no_access_token(wechat, make_gateway):
    identity = make_gateway().code_to_session(wechat.login_code("o-1", unionid="u-1"))
    assert (identity.openid, identity.unionid) == ("o-1", "u-1")
    assert identity.session_key == wechat.state.session_keys["o-1"]
    assert stats(wechat)["token_fetches"] == 0


def test_token_is_fetched_once_and_shared_through_redis(wechat, make_gateway, user, redis_client):
    first, second = make_gateway(), make_gateway()  # two processes' worth of clients
    wechat.control("POST", "consents", openid=user, template_id=TEMPLATE, kind="long_term")
    first.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    second.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    assert stats(wechat)["token_fetches"] == 1
    assert any(key.startswith(b"banshi:wechat:") for key in redis_client.keys())


def test_concurrent_first_use_fetches_one_token(wechat, make_gateway, user):
    wechat.control("POST", "consents", openid=user, template_id=TEMPLATE, kind="long_term")
    gateways = [make_gateway() for _ in range(6)]
    errors: list[Exception] = []
    barrier = threading.Barrier(len(gateways))

    def send(gateway: WeChatGateway) -> None:
        barrier.wait()
        try:
            gateway.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(g,)) for g in gateways]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert stats(wechat)["token_fetches"] == 1
    assert len(wechat.inbox(openid=user)) == 6


def test_token_rejected_is_refreshed_once_and_retried(wechat, make_gateway, user):
    wechat.control("POST", "consents", openid=user, template_id=TEMPLATE, kind="long_term")
    gateway = make_gateway()
    gateway.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    wechat.fault("subscribe_send", errcode=40001, times=1)
    gateway.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    assert stats(wechat)["token_fetches"] == 2
    assert len(wechat.inbox(openid=user)) == 2


def test_persistent_token_error_stops_after_one_refresh(wechat, make_gateway, user):
    gateway = make_gateway()
    wechat.fault("subscribe_send", errcode=40001)
    with pytest.raises(WeChatError) as error:
        gateway.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    assert error.value.errcode == 40001
    assert stats(wechat)["token_fetches"] == 2  # first token + one refresh, no recursion


def test_expired_token_is_replaced(wechat, make_gateway, user, redis_client):
    wechat.control("POST", "consents", openid=user, template_id=TEMPLATE, kind="long_term")
    gateway = make_gateway()
    gateway.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    wechat.control("POST", "clock", advance_seconds=7300)  # WeChat's clock moves past expiry (42001)
    gateway.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    assert stats(wechat)["token_fetches"] == 2


def test_one_time_consent_allows_exactly_one_message(wechat, make_gateway, user):
    gateway = make_gateway()
    with pytest.raises(WeChatError) as refused:
        gateway.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    assert refused.value.errcode == 43101
    wechat.control("POST", "consents", openid=user, template_id=TEMPLATE, kind="one_time")
    msgid = gateway.send_subscribe_message(user, TEMPLATE, GOOD_DATA, page="pages/appointments/detail?id=7",
                                           miniprogram_state="trial")
    assert msgid > 0
    with pytest.raises(WeChatError) as used_up:
        gateway.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    assert used_up.value.errcode == 43101
    [delivered] = wechat.inbox(openid=user)
    assert delivered["data"] == GOOD_DATA
    assert delivered["page"] == "pages/appointments/detail?id=7"
    assert delivered["miniprogram_state"] == "trial"


@pytest.mark.parametrize(("field", "value"), [
    ("thing1", "超" * 21),
    ("thing1", "两行\n文字"),
    ("time2", "明天上午"),
    ("character_string4", "票号A012"),
])
def test_bad_field_values_get_47003_naming_the_field(wechat, make_gateway, user, field, value):
    wechat.control("POST", "consents", openid=user, template_id=TEMPLATE, kind="one_time")
    with pytest.raises(WeChatError) as error:
        make_gateway().send_subscribe_message(user, TEMPLATE, {**GOOD_DATA, field: value})
    assert error.value.errcode == 47003
    assert f"data.{field}" in error.value.errmsg
    assert not error.value.retryable
    assert wechat.inbox() == []


def test_unknown_template_and_openid(wechat, make_gateway, user):
    gateway = make_gateway()
    with pytest.raises(WeChatError) as bad_template:
        gateway.send_subscribe_message(user, "no-such-template", GOOD_DATA)
    assert bad_template.value.errcode == 40037
    with pytest.raises(WeChatError) as bad_user:
        gateway.send_subscribe_message("o-stranger", TEMPLATE, GOOD_DATA)
    assert bad_user.value.errcode == 40003


def test_busy_and_network_failures_are_retryable(wechat, make_gateway, user):
    gateway = make_gateway()
    wechat.fault("token", http_status=502, times=1)         # no token, so the message never went out
    with pytest.raises(WeChatError) as tokenless:
        gateway.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    assert tokenless.value.retryable and not tokenless.value.maybe_delivered
    wechat.fault("subscribe_send", errcode=-1, times=1)
    with pytest.raises(WeChatError) as busy:
        gateway.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    assert busy.value.errcode == -1 and busy.value.retryable
    wechat.fault("subscribe_send", http_status=503, times=1)
    with pytest.raises(WeChatError) as outage:
        gateway.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    assert outage.value.errcode is None and outage.value.retryable
    assert outage.value.maybe_delivered and outage.value.errmsg == "HTTP 503"   # sent: the outbox never resends it
    assert wechat.inbox(openid=user) == []


def test_slow_wechat_times_out(wechat, settings, redis_client, user):
    impatient = WeChatGateway(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base,
                              redis_client, timeout=0.2)
    wechat.fault("jscode2session", latency_ms=600, times=1)
    with pytest.raises(WeChatError) as error:
        impatient.code_to_session(wechat.login_code())
    assert error.value.errcode is None


def test_content_check_v2(wechat, make_gateway, user):
    gateway = make_gateway()
    assert gateway.check_text(user, "窗口工作人员态度很好，办事很快").passed
    verdict = gateway.check_text(user, "这里可以网上赌博")
    assert (verdict.suggest, verdict.label) == ("risky", 20006)
    with pytest.raises(WeChatError) as error:
        gateway.check_text("o-never-seen", "你好")
    assert error.value.errcode == 40003


def test_wrong_secret_cannot_get_a_token(wechat, settings, redis_client, user):
    wrong = WeChatGateway(settings.wechat_appid, "not-the-secret", settings.wechat_api_base, redis_client)
    with pytest.raises(WeChatError) as error:
        wrong.send_subscribe_message(user, TEMPLATE, GOOD_DATA)
    assert error.value.errcode == 40001
