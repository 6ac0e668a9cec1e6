"""Our WeChat client: wechatpy over HTTP, with the access token shared through Redis.

wechatpy's own retry is switched off (it recurses without bound on a
persistent 40001); we refresh the token at most once per call, under a Redis
lock, and only if nobody else has refreshed it already.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import redis
import requests
import structlog
import urllib3
from flask import current_app
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from miniapp_api.platform.queues import redis_store

log = structlog.get_logger(__name__)
T = TypeVar("T")

TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
RETRYABLE_ERRCODES = frozenset({-1, 45009})
# Not WeChat's: our own code for an answer that came back but cannot be trusted.
WATERMARK_MISMATCH = -40013
# Refresh this long before WeChat's expiry so no process ever holds a dying token.
TOKEN_SAFETY_SECONDS = 300


class WeChatError(Exception):
    """A failed WeChat call. errcode None means no WeChat answer (network or HTTP error)."""

    def __init__(self, errcode: int | None, errmsg: str, *, maybe_delivered: bool = False):
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        # The request went out and no usable answer came back (a read timeout, a connection dropped
        # mid-answer, an HTTP 5xx): WeChat may have acted on it. A send must then be `unknown`, never retried.
        self.maybe_delivered = maybe_delivered

    @property
    def retryable(self) -> bool:
        return self.errcode is None or self.errcode in RETRYABLE_ERRCODES


@dataclass(frozen=True)
class LoginIdentity:
    openid: str
    session_key: str
    unionid: str | None


@dataclass(frozen=True)
class TextVerdict:
    suggest: str   # pass | review | risky
    label: int

    @property
    def passed(self) -> bool:
        return self.suggest == "pass"


@dataclass(frozen=True)
class VerifiedPhone:
    phone: str          # purePhoneNumber: without the country code
    country_code: str


@dataclass(frozen=True)
class FaceSession:
    verify_id: str
    expires_in: int


CERT_TYPE_ID_CARD = "IDENTITY_CARD"
# The answer of queryverifyinfo that means the face matched the ID (anything else is a failure).
FACE_VERIFIED = 10000


def cert_hash(cert_name: str, cert_no: str, cert_type: str = CERT_TYPE_ID_CARD) -> str:
    """WeChat's digest of the certificate data given to getverifyid (face verification docs, 注意事项):
    each value standard-base64 encoded (UTF-8), joined as cert_type=…&cert_name=…&cert_no=…, SHA-256, lower hex."""
    def b64(value: str) -> str:
        return base64.b64encode(value.encode()).decode()
    joined = f"cert_type={b64(cert_type)}&cert_name={b64(cert_name)}&cert_no={b64(cert_no)}"
    return hashlib.sha256(joined.encode()).hexdigest()


class _SharedTokenClient(WeChatClient):
    """wechatpy client aimed at a configurable base URL, fetching tokens under a shared lock."""

    def __init__(self, appid: str, secret: str, api_base: str, redis_client: redis.Redis, timeout: float):
        super().__init__(appid, secret, session=RedisStorage(redis_client, prefix="banshi:wechat"),
                         timeout=timeout, auto_retry=False)
        self.api_base = api_base
        self.API_BASE_URL = f"{api_base}/cgi-bin/"
        self.wxa.API_BASE_URL = f"{api_base}/"
        self._redis = redis_client
        self._lock_name = f"banshi:wechat:{appid}:token-lock"

    def _adopt_shared_token(self) -> str | None:
        ttl = self._redis.ttl(f"banshi:wechat:{self.access_token_key}")
        token = self.session.get(self.access_token_key)
        if token and ttl and ttl > 0:
            self.expires_at = int(time.time()) + ttl
            return token
        return None

    def fetch_access_token(self, replacing: str | None = None) -> dict[str, Any]:
        """Fetch a new token unless another process already replaced the one we hold."""
        with self._redis.lock(self._lock_name, timeout=15, blocking_timeout=15):
            shared = self._adopt_shared_token()
            if shared and shared != replacing:
                return {"access_token": shared}
            response = self._http.get(f"{self.api_base}/cgi-bin/token", timeout=self.timeout, params={
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
            response.raise_for_status()
            result = response.json()
            if result.get("errcode"):
                raise WeChatClientException(result["errcode"], result.get("errmsg", ""), client=self,
                                            request=response.request, response=response)
            lifetime = max(int(result.get("expires_in", 7200)) - TOKEN_SAFETY_SECONDS, 60)
            self.session.set(self.access_token_key, result["access_token"], lifetime)
            self.expires_at = int(time.time()) + lifetime
            log.info("wechat.token_fetched", expires_in=lifetime)
            return result


class WeChatGateway:
    def __init__(self, appid: str, secret: str, api_base: str, redis_client: redis.Redis, timeout: float = 5.0):
        self._client = _SharedTokenClient(appid, secret, api_base, redis_client, timeout)

    def _call(self, request: Callable[[], T], *, needs_token: bool = True) -> T:
        if needs_token and redis_store.is_away():
            raise WeChatError(None, "RedisAway")   # the shared token lives in Redis; not now, later
        try:
            used_token = self._client.access_token if needs_token else None
            try:
                return request()
            except WeChatClientException as exc:
                if exc.errcode not in TOKEN_ERRCODES:
                    raise
                log.info("wechat.token_rejected", errcode=exc.errcode)
                self._client.fetch_access_token(replacing=used_token)
                return request()
        except WeChatClientException as exc:
            status = getattr(exc.response, "status_code", None)
            # wechatpy turns an HTTP error status into an exception without an errcode. A 5xx comes after the
            # request was sent, and WeChat (or a front end before it) may have acted on it: like a read timeout.
            raise WeChatError(exc.errcode, exc.errmsg or (f"HTTP {status}" if status else "no answer"),
                              maybe_delivered=exc.errcode is None and status is not None and status >= 500) from None
        except redis.exceptions.RedisError as exc:
            # Redis holds the shared token: without it there is no call, and the caller's answer is "later".
            if not isinstance(exc, redis.exceptions.LockError):
                redis_store.mark_away()
            raise WeChatError(None, type(exc).__name__) from None
        except requests.RequestException as exc:
            raise WeChatError(None, type(exc).__name__, maybe_delivered=_may_have_arrived(exc)) from None

    def code_to_session(self, code: str) -> LoginIdentity:
        """auth.code2Session. Success replies may omit errcode: absent means success.

        wechatpy's code_to_session would fetch an access token first, which this
        API does not need; a None access_token param keeps it from doing so
        (requests drops None-valued params from the URL).
        """
        params = {"appid": self._client.appid, "secret": self._client.secret, "js_code": code,
                  "grant_type": "authorization_code", "access_token": None}
        result = self._call(lambda: self._client.wxa._get("sns/jscode2session", params=params), needs_token=False)
        return LoginIdentity(openid=result["openid"], session_key=result["session_key"],
                             unionid=result.get("unionid"))

    def send_subscribe_message(self, openid: str, template_id: str, data: dict[str, str], *,
                               page: str | None = None, miniprogram_state: str = "formal",
                               lang: str = "zh_CN") -> int:
        """subscribeMessage.send; wechatpy's helper lacks miniprogram_state and lang (wechatpy#817)."""
        body: dict[str, Any] = {
            "touser": openid, "template_id": template_id, "miniprogram_state": miniprogram_state, "lang": lang,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if page:
            body["page"] = page
        result = self._call(lambda: self._client.wxa._post("cgi-bin/message/subscribe/send", data=body))
        return int(result.get("msgid", 0))

    def check_text(self, openid: str, content: str, scene: int = 2, *, timeout: float | None = None) -> TextVerdict:
        """msgSecCheck v2: decide on result.suggest, not errcode 87014 (v1 only). A citizen's request may ask
        for a shorter timeout than the gateway's (a late check runs afterwards)."""
        body = {"version": 2, "openid": openid, "scene": scene, "content": content}
        options = {"timeout": timeout} if timeout else {}
        result = self._call(lambda: self._client.wxa._post("wxa/msg_sec_check", data=body, **options))
        verdict = result.get("result") or {}
        return TextVerdict(suggest=verdict.get("suggest", "review"), label=int(verdict.get("label", 21000)))


    def user_phone_number(self, code: str, openid: str) -> VerifiedPhone:
        """phonenumber.getPhoneNumber: exchange a getPhoneNumber button's code (one use, 5 minutes).

        Passing the openid makes WeChat refuse a code minted for someone else; the
        watermark must name our own appid, or the number is not for us.
        """
        result = self._call(lambda: self._client.wxa._post("wxa/business/getuserphonenumber",
                                                            data={"code": code, "openid": openid}))
        info = result.get("phone_info") or {}
        if (info.get("watermark") or {}).get("appid") != self._client.appid or not info.get("purePhoneNumber"):
            raise WeChatError(WATERMARK_MISMATCH, "phone_info watermark does not name this appid")
        return VerifiedPhone(phone=str(info["purePhoneNumber"]), country_code=str(info.get("countryCode", "86")))

    def face_verify_id(self, out_seq_no: str, name: str, id_number: str, openid: str) -> FaceSession:
        """getVerifyId (人脸核身): a session the mini-program runs with wx.requestFacialVerify."""
        body = {"out_seq_no": out_seq_no, "openid": openid,
                "cert_info": {"cert_type": CERT_TYPE_ID_CARD, "cert_name": name, "cert_no": id_number}}
        result = self._call(lambda: self._client.wxa._post("cityservice/face/identify/getverifyid", data=body))
        return FaceSession(verify_id=str(result["verify_id"]), expires_in=int(result.get("expires_in", 3600)))

    def face_verify_result(self, verify_id: str, out_seq_no: str, digest: str, openid: str) -> int:
        """queryVerifyInfo: the verify_ret of a face session (FACE_VERIFIED means the person is who they said)."""
        body = {"verify_id": verify_id, "out_seq_no": out_seq_no, "cert_hash": digest, "openid": openid}
        result = self._call(lambda: self._client.wxa._post("cityservice/face/identify/queryverifyinfo", data=body))
        return int(result.get("verify_ret", 0))


def _may_have_arrived(exc: requests.RequestException) -> bool:
    """False only when the request surely never reached WeChat (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        return not isinstance(getattr(reason, "reason", reason), urllib3.exceptions.NewConnectionError)
    return isinstance(exc, (requests.ReadTimeout, requests.exceptions.ChunkedEncodingError))


def gateway() -> WeChatGateway:
    """The app's gateway (built lazily in create_app's context)."""
    return current_app.extensions["banshi.wechat"]()
