"""Our WeChat client: wechatpy over HTTP, with the access token shared through Redis.

wechatpy's own retry is switched off (it recurses without bound on a
persistent 40001); we refresh the token at most once per call, under a Redis
lock, and only if nobody else has refreshed it already.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import redis
import requests
import structlog
from flask import current_app
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

log = structlog.get_logger(__name__)
T = TypeVar("T")

TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
RETRYABLE_ERRCODES = frozenset({-1, 45009})
# Refresh this long before WeChat's expiry so no process ever holds a dying token.
TOKEN_SAFETY_SECONDS = 300


class WeChatError(Exception):
    """A failed WeChat call. errcode None means no WeChat answer (network or HTTP error)."""

    def __init__(self, errcode: int | None, errmsg: str):
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

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
            raise WeChatError(exc.errcode, exc.errmsg or "no answer") from None
        except (requests.RequestException, redis.exceptions.LockError) as exc:
            raise WeChatError(None, type(exc).__name__) from None

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

    def check_text(self, openid: str, content: str, scene: int = 2) -> TextVerdict:
        """msgSecCheck v2: decide on result.suggest, not errcode 87014 (v1 only)."""
        body = {"version": 2, "openid": openid, "scene": scene, "content": content}
        result = self._call(lambda: self._client.wxa._post("wxa/msg_sec_check", data=body))
        verdict = result.get("result") or {}
        return TextVerdict(suggest=verdict.get("suggest", "review"), label=int(verdict.get("label", 21000)))


def gateway() -> WeChatGateway:
    """The app's gateway (built lazily in create_app's context)."""
    return current_app.extensions["banshi.wechat"]()
