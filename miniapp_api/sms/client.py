"""Our SMS client: Tencent Cloud's own SDK (TC3-HMAC-SHA256 signing, SendSms 2021-01-11) with our timeout.

What an outcome means for the outbox (notifications/delivery.py) is decided here, once:
- `Ok` for the number: sent; the provider's serial number is kept.
- A refusal for the number (a wrong number, a blacklisted one, an unapproved template, the number's daily
  quota) or for the request (authentication, parameters): failed, with the provider's code.
- Throttled for a while (30-second and one-hour limits per number, request rate), an internal error, or no
  connection: nothing was sent; retryable.
- The request went out and no answer came back (a read timeout, a connection dropped mid-answer): the
  provider may have sent it — `maybe_delivered`, never resent.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

log = structlog.get_logger(__name__)

OK = "Ok"
RETRYABLE_CODES = frozenset({
    "LimitExceeded.PhoneNumberThirtySecondLimit", "LimitExceeded.PhoneNumberOneHourLimit",
    "RequestLimitExceeded", "InternalError.Timeout", "InternalError.RequestTimeException", "ServerNetworkError"})
RETRYABLE_PREFIXES = ("InternalError",)
# What requests says when the answer never came (the SDK folds the exception into its message).
LOST_ANSWER_HINTS = ("Read timed out", "RemoteDisconnected", "Connection aborted", "IncompleteRead")


class SmsError(Exception):
    def __init__(self, code: str, message: str, *, maybe_delivered: bool = False):
        super().__init__(f"SMS error {code}: {message}")
        self.code, self.message, self.maybe_delivered = code, message, maybe_delivered

    @property
    def retryable(self) -> bool:
        return not self.maybe_delivered and (self.code in RETRYABLE_CODES or self.code.startswith(RETRYABLE_PREFIXES)
                                             or self.code == "ClientNetworkError")


@dataclass(frozen=True)
class SmsConfig:
    secret_id: str
    secret_key: str
    sdk_app_id: str
    sign_name: str
    endpoint: str = "sms.tencentcloudapi.com"
    scheme: str = "https"
    region: str = "ap-guangzhou"
    timeout_seconds: float = 5.0


class SmsGateway:
    def __init__(self, config: SmsConfig):
        self.config = config
        profile = ClientProfile(httpProfile=HttpProfile(protocol=config.scheme, endpoint=config.endpoint,
                                                        reqTimeout=config.timeout_seconds))
        self._client = sms_client.SmsClient(credential.Credential(config.secret_id, config.secret_key),
                                            config.region, profile)

    def send(self, phone: str, template_id: str, params: list[str], *, context: str = "") -> str:
        """One message to one mainland number; the provider's serial number, or SmsError."""
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{phone}"]
        request.SmsSdkAppId = self.config.sdk_app_id
        request.SignName = self.config.sign_name
        request.TemplateId = template_id
        request.TemplateParamSet = params
        request.SessionContext = context
        try:
            response = self._client.SendSms(request)
        except TencentCloudSDKException as exc:
            code, message = exc.get_code() or "ClientNetworkError", str(exc.get_message())
            lost = code == "ClientNetworkError" and any(hint in message for hint in LOST_ANSWER_HINTS)
            raise SmsError(code, message[:300], maybe_delivered=lost) from None
        status = response.SendStatusSet[0]
        if status.Code != OK:
            raise SmsError(status.Code, status.Message or "")
        return status.SerialNo
