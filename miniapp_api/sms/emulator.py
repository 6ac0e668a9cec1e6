"""A stand-in for Tencent Cloud SMS (SendSms, API 3.0), reached over real HTTP by Tencent's own SDK.

Served by the WeChat emulator's server (`POST /`, which WeChat's API does not use), so one emulator process
serves both providers. It checks what the real service checks: the TC3-HMAC-SHA256 signature over the
canonical request (a wrong key, a changed body or header is `AuthFailure.SignatureFailure`), the timestamp
(more than five minutes off is `AuthFailure.SignatureExpire`), the action and version, the SDK app id, the
approved signature and template, the template's number of parameters
(`FailedOperation.TemplateParamSetNotMatchApprovedTemplate`), each parameter's length against what the account
may send for that variable (`InvalidParameterValue.TemplateParameterLengthLimit`; 6 characters where the console
set nothing, Tencent's default for accounts opened since 2024-01-25), no link in a parameter
(`InvalidParameterValue.ProhibitedUseUrlInTemplateParameter`), the 500-character limit, and the per-number
frequency limits (one in 30 seconds, five an hour, ten a day). Answers keep Tencent's shape:
`{"Response": {"SendStatusSet": [...], "RequestId"}}` or `{"Response": {"Error": {"Code", "Message"}}}`.

Control API under /emulator/sms/: the inbox of delivered messages, fault injection (an error code for the
request or for the number, an HTTP status, latency), its clock, reset.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from miniapp_api.platform.emulation import OffsetClock, first_fault, slow_or_failed

ACTION, VERSION, SERVICE = "SendSms", "2021-01-11", "sms"
MAX_SKEW_SECONDS = 300
MAX_LENGTH = 500
LIMITS = (("LimitExceeded.PhoneNumberThirtySecondLimit", 30, 1), ("LimitExceeded.PhoneNumberOneHourLimit", 3600, 5),
          ("LimitExceeded.PhoneNumberDailyLimit", 86400, 10))
AUTHORIZATION = re.compile(r"^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, "
                           r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")
MAINLAND = re.compile(r"^\+861[3-9]\d{9}$")
DEFAULT_PARAM_LENGTH = 6
URL = re.compile(r"(?i)(https?://|www\.|\b[a-z0-9-]+\.(?:cn|com|net|org|gov|top|cc|io)\b)")


@dataclass
class SmsFault:
    code: str | None = None          # an error code: for the request ("InternalError...") or for the number
    per_number: bool = False          # the code goes in SendStatusSet (else the whole request fails)
    http_status: int | None = None    # or answer with this HTTP status
    latency_ms: int = 0
    times: int | None = None
    hits: int = 0


@dataclass
class SmsEmulatorState:
    secret_id: str
    secret_key: str
    sdk_app_id: str
    sign_names: set[str]
    templates: dict[str, str]                      # template id → approved text with {1}, {2}, …
    param_limits: dict[str, tuple[int, ...]] = field(default_factory=dict)   # template id → each variable's max
    clock: OffsetClock = field(default_factory=OffsetClock)
    inbox: list[dict[str, Any]] = field(default_factory=list)
    sent_at: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    faults: list[SmsFault] = field(default_factory=list)
    calls: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    def now(self) -> float:
        return self.clock.now()

    def reset(self) -> None:
        with self.lock:
            self.inbox.clear()
            self.sent_at.clear()
            self.faults.clear()
            self.clock, self.calls = OffsetClock(), 0


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_signature(secret_key: str, *, date: str, timestamp: str, method: str, uri: str, query: str,
                  headers: dict[str, str], signed: list[str], payload: bytes) -> str:
    """Tencent Cloud's TC3-HMAC-SHA256, from its published algorithm."""
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
    canonical = "\n".join([method, uri, query, canonical_headers, ";".join(signed), hashlib.sha256(payload).hexdigest()])
    scope = f"{date}/{SERVICE}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", timestamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), SERVICE), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _error(code: str, message: str) -> Response:
    return jsonify({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}})


def _status(phone: str, code: str, message: str, context: str, serial: str = "") -> dict[str, Any]:
    return {"SerialNo": serial, "PhoneNumber": phone, "Fee": 1 if code == "Ok" else 0, "SessionContext": context,
            "Code": code, "Message": message, "IsoCode": "CN"}


def _too_long(values: list[str], limits: tuple[int, ...]) -> int | None:
    """The first parameter (1-based) longer than its variable allows, or None."""
    for index, value in enumerate(values):
        most = limits[index] if index < len(limits) else DEFAULT_PARAM_LENGTH
        if len(value) > most:
            return index + 1
    return None


def sms_emulator_blueprint(state: SmsEmulatorState) -> Blueprint:
    bp = Blueprint("sms_emulator", __name__)

    def authentication_problem(body: bytes) -> Response | None:
        match = AUTHORIZATION.match(request.headers.get("Authorization", ""))
        if match is None:
            return _error("AuthFailure.SignatureFailure", "The Authorization header is malformed.")
        secret_id, date, service, signed_headers, signature = match.groups()
        timestamp = request.headers.get("X-TC-Timestamp", "")
        if not timestamp.isdigit():
            return _error("MissingParameter", "X-TC-Timestamp is missing.")
        if abs(state.now() - int(timestamp)) > MAX_SKEW_SECONDS:
            return _error("AuthFailure.SignatureExpire", "The signature expired: the request time is off by more "
                                                          "than five minutes.")
        if secret_id != state.secret_id:
            return _error("AuthFailure.SecretIdNotFound", "The SecretId does not exist.")
        if service != SERVICE or date != datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d"):
            return _error("AuthFailure.SignatureFailure", "The credential scope does not match the request.")
        signed = signed_headers.split(";")
        if "host" not in signed or "content-type" not in signed:
            return _error("AuthFailure.SignatureFailure", "SignedHeaders must include content-type and host.")
        headers = {name: request.headers.get(name, "") for name in signed}
        expected = tc3_signature(state.secret_key, date=date, timestamp=timestamp, method=request.method, uri="/",
                                 query=request.query_string.decode(), headers=headers, signed=signed, payload=body)
        if not hmac.compare_digest(expected, signature):
            return _error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        return None

    def injected() -> SmsFault | None:
        with state.lock:
            state.calls += 1
            return first_fault(state.faults)

    def over_limit(phone: str, now: float) -> str | None:
        sent = state.sent_at[phone]
        for code, window, most in LIMITS:
            if sum(1 for at in sent if now - at < window) >= most:
                return code
        return None

    @bp.post("/")
    def api():
        body = request.get_data()
        if (problem := authentication_problem(body)) is not None:
            return problem
        if request.headers.get("X-TC-Action") != ACTION:
            return _error("InvalidAction", "The action does not exist.")
        if request.headers.get("X-TC-Version") != VERSION:
            return _error("NoSuchVersion", "The API version does not exist.")
        fault = injected()
        if fault is not None:
            if (failed := slow_or_failed(fault)) is not None:
                return failed
            if fault.code and not fault.per_number:
                return _error(fault.code, "injected fault")
        params = request.get_json(silent=True) or {}
        if params.get("SmsSdkAppId") != state.sdk_app_id:
            return _error("InvalidParameterValue.SdkAppIdNotExist", "The SmsSdkAppId does not exist.")
        phones, context = params.get("PhoneNumberSet") or [], params.get("SessionContext") or ""
        if not phones or len(phones) > 200:
            return _error("InvalidParameterValue.IncorrectPhoneNumber", "PhoneNumberSet must hold 1 to 200 numbers.")
        template = state.templates.get(str(params.get("TemplateId")))
        values = [str(v) for v in params.get("TemplateParamSet") or []]
        statuses = []
        for phone in phones:
            now = state.now()
            if fault is not None and fault.code and fault.per_number:
                statuses.append(_status(phone, fault.code, "injected fault", context))
            elif not MAINLAND.match(phone):
                statuses.append(_status(phone, "InvalidParameterValue.IncorrectPhoneNumber",
                                        "The phone number is not a valid mainland number.", context))
            elif params.get("SignName") not in state.sign_names:
                statuses.append(_status(phone, "FailedOperation.SignatureIncorrectOrUnapproved",
                                        "The signature is not approved.", context))
            elif template is None:
                statuses.append(_status(phone, "FailedOperation.TemplateIncorrectOrUnapproved",
                                        "The template is not approved.", context))
            elif len(values) != len(re.findall(r"\{\d+\}", template)):
                statuses.append(_status(phone, "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                                        "The number of template parameters does not match the template.", context))
            elif (too_long := _too_long(values, state.param_limits.get(str(params.get("TemplateId")), ()))) is not None:
                statuses.append(_status(phone, "InvalidParameterValue.TemplateParameterLengthLimit",
                                        f"Template parameter {too_long} is longer than the account allows.", context))
            elif any(URL.search(value) for value in values):
                statuses.append(_status(phone, "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
                                        "A template parameter must not be a URL.", context))
            else:
                content = f"【{params['SignName']}】" + re.sub(r"\{(\d+)\}", lambda m: values[int(m.group(1)) - 1],
                                                              template)
                with state.lock:
                    limited = over_limit(phone, now)
                    if limited is None and len(content) <= MAX_LENGTH:
                        serial = uuid.uuid4().hex
                        state.sent_at[phone].append(now)
                        state.inbox.append({"phone": phone, "template_id": str(params["TemplateId"]),
                                            "params": values, "content": content, "serial_no": serial,
                                            "context": context, "at": now})
                if limited is not None:
                    statuses.append(_status(phone, limited, "The number's sending frequency limit was reached.",
                                            context))
                elif len(content) > MAX_LENGTH:
                    statuses.append(_status(phone, "InvalidParameterValue.ContentLengthLimit",
                                            "The message is longer than 500 characters.", context))
                else:
                    statuses.append(_status(phone, "Ok", "send success", context, serial))
        return jsonify({"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}})

    # --- control ---------------------------------------------------------------------------------------------

    @bp.get("/emulator/sms/inbox")
    def inbox():
        phone = request.args.get("phone")
        with state.lock:
            return jsonify([m for m in state.inbox if phone is None or m["phone"] == phone])

    @bp.post("/emulator/sms/faults")
    def add_fault():
        body = request.get_json(silent=True) or {}
        rule = SmsFault(code=body.get("code"), per_number=bool(body.get("per_number")),
                        http_status=body.get("http_status"), latency_ms=int(body.get("latency_ms", 0)),
                        times=body.get("times"))
        with state.lock:
            state.faults.append(rule)
        return jsonify(asdict(rule)), 201

    @bp.post("/emulator/sms/clock")
    def set_clock():
        """Where the provider's clock stands against this process's: the timestamp check compares with it."""
        body = request.get_json(silent=True) or {}
        with state.lock:
            state.clock.offset = float(body.get("offset_seconds", 0))
        return jsonify({"now": state.now()})

    @bp.post("/emulator/sms/reset")
    def reset():
        state.reset()
        return "", 204

    return bp
