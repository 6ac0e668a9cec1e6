"""The emulator's WSGI app: WeChat's endpoints plus the /emulator/ control API."""

from __future__ import annotations

import random
import re
import secrets
import threading
from collections import Counter, defaultdict, deque
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request

from miniapp_api.platform.emulation import OffsetClock, first_fault, slow_or_failed
from miniapp_api.sms.emulator import SmsEmulatorState, sms_emulator_blueprint
from miniapp_api.wechat.client import CERT_TYPE_ID_CARD, FACE_VERIFIED, cert_hash
from miniapp_api.wechat.emulator.fields import field_problem

CODE_LIFETIME = 300          # wx.login codes last five minutes
OLD_TOKEN_GRACE = 300        # a replaced access_token keeps working five more minutes
LOGIN_CALLS_PER_MINUTE = 100  # per user, then 45011
DEFAULT_RISKY_WORDS = {"赌博": 20006, "诈骗": 20008, "色情": 20002, "傻逼": 20003, "加微信领钱": 10001}
PHONE_CODE_LIFETIME = 300   # a getPhoneNumber code lasts five minutes, once
FACE_SESSION_LIFETIME = 3600  # getverifyid's default expires_in
OUT_SEQ_NO = re.compile(r"^[A-Za-z0-9_-]{5,32}$")
# Face verification errcodes. WeChat documents that a wrong or expired verify_id, or
# cert_info/openid that differ from getverifyid's, come back as an errcode (not a
# verify_ret) without fixing the numbers for all of them; 84001 is the one seen in
# the field for an invalid verify_id. The others are this emulator's choice.
FACE_INVALID_ID = 84001        # unknown or expired verify_id
FACE_MISMATCH = 84002          # openid, out_seq_no or cert_hash differ from getverifyid's
FACE_NOT_FINISHED = 84003      # the face check was never run on the phone
APIS = ("token", "jscode2session", "subscribe_send", "msg_sec_check", "getuserphonenumber", "getverifyid",
        "queryverifyinfo")


@dataclass
class FaultRule:
    api: str                       # one of APIS or "*"
    errcode: int | None = None     # answer with this WeChat errcode
    http_status: int | None = None  # or with this HTTP status
    rate: float = 1.0              # share of matching calls affected
    latency_ms: int = 0            # delay before answering
    times: int | None = None       # stop after this many hits (None = forever)
    # subscribe_send only: the message is delivered first, then the fault is the answer (what a 5xx from a
    # WeChat front end after the backend acted looks like to us).
    after_sending: bool = False
    hits: int = 0


@dataclass
class Consent:
    one_time: int = 0
    long_term: bool = False


@dataclass
class CodeGrant:
    openid: str
    unionid: str | None
    issued_at: float
    used: bool = False


@dataclass
class PhoneGrant:
    openid: str
    phone: str
    issued_at: float
    used: bool = False


@dataclass
class FaceSessionRecord:
    openid: str
    out_seq_no: str
    cert_hash: str
    issued_at: float
    verify_ret: int | None = None   # set when the phone ran wx.requestFacialVerify


@dataclass
class EmulatorState:
    appid: str
    secret: str
    token_daily_quota: int = 2000
    token_lifetime: int = 7200
    seed: int | None = None
    clock: OffsetClock = field(default_factory=OffsetClock)
    tokens: dict[str, float] = field(default_factory=dict)
    current_token: str | None = None
    token_fetches: int = 0
    codes: dict[str, CodeGrant] = field(default_factory=dict)
    session_keys: dict[str, str] = field(default_factory=dict)
    login_calls: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    blocked: set[str] = field(default_factory=set)
    templates: dict[str, list[str]] = field(default_factory=dict)
    consents: dict[tuple[str, str], Consent] = field(default_factory=lambda: defaultdict(Consent))
    inbox: list[dict[str, Any]] = field(default_factory=list)
    faults: list[FaultRule] = field(default_factory=list)
    risky_words: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RISKY_WORDS))
    phone_codes: dict[str, PhoneGrant] = field(default_factory=dict)
    face_sessions: dict[str, FaceSessionRecord] = field(default_factory=dict)
    out_seq_nos: set[str] = field(default_factory=set)
    calls: Counter = field(default_factory=Counter)
    lock: threading.RLock = field(default_factory=threading.RLock)
    initial_templates: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    def now(self) -> float:
        return self.clock.now()

    def reset(self) -> None:
        """Back to the start, keeping the templates registered at start-up (as the WeChat console would)."""
        fresh = EmulatorState(self.appid, self.secret, self.token_daily_quota, self.token_lifetime, self.seed)
        fresh.templates.update(self.initial_templates)
        for name in ("clock", "tokens", "current_token", "token_fetches", "codes", "session_keys",
                     "login_calls", "blocked", "templates", "consents", "inbox", "faults", "risky_words", "calls",
                     "phone_codes", "face_sessions", "out_seq_nos"):
            setattr(self, name, getattr(fresh, name))
        self.random = random.Random(self.seed)


def _wx(errcode: int, errmsg: str, **extra: Any) -> Response:
    """WeChat answers errors with HTTP 200 and an errcode in the body."""
    return jsonify({"errcode": errcode, "errmsg": errmsg, **extra})


def create_emulator(appid: str, secret: str, *, seed: int | None = None, token_daily_quota: int = 2000,
                    templates: dict[str, list[str]] | None = None, sms: SmsEmulatorState | None = None) -> Flask:
    """WeChat's servers; with `sms`, Tencent Cloud SMS's too (on `POST /`, which WeChat does not use)."""
    app = Flask("wechat_emulator")
    if sms is not None:
        app.register_blueprint(sms_emulator_blueprint(sms))
        app.extensions["sms_emulator"] = sms
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    state = EmulatorState(appid, secret, token_daily_quota=token_daily_quota, seed=seed)
    state.initial_templates = dict(templates or {})
    state.templates.update(state.initial_templates)
    app.extensions["wechat_emulator"] = state

    def injected_fault(api: str, *, after_sending: bool = False) -> Response | None:
        with state.lock:
            if not after_sending:
                state.calls[api] += 1
            chosen = first_fault(state.faults,
                                 matches=lambda r: r.api in (api, "*") and r.after_sending == after_sending,
                                 chance=lambda r: state.random.random() < r.rate)
        if chosen is None:
            return None
        if (failed := slow_or_failed(chosen)) is not None:
            return failed
        if chosen.errcode is not None:
            return _wx(chosen.errcode, "system error (injected)" if chosen.errcode == -1 else "injected fault")
        return None

    def token_problem() -> Response | None:
        token = request.args.get("access_token")
        if not token:
            return _wx(41001, "access_token missing")
        with state.lock:
            expires_at = state.tokens.get(token)
        if expires_at is None:
            return _wx(40001, "invalid credential, access_token is invalid or not latest")
        if expires_at <= state.now():
            return _wx(42001, "access_token expired")
        return None

    # --- WeChat's API --------------------------------------------------------

    @app.get("/cgi-bin/token")
    def get_access_token():
        if (fault := injected_fault("token")) is not None:
            return fault
        if request.args.get("grant_type") != "client_credential":
            return _wx(40002, "invalid grant_type")
        if request.args.get("appid") != state.appid:
            return _wx(40013, "invalid appid")
        if request.args.get("secret") != state.secret:
            return _wx(40001, "AppSecret error or access_token is invalid")
        with state.lock:
            if state.token_fetches >= state.token_daily_quota:
                return _wx(45009, "reach max api daily quota limit")
            state.token_fetches += 1
            now = state.now()
            if state.current_token is not None:
                # Each fetch replaces the token; the old one lives on briefly.
                state.tokens[state.current_token] = min(state.tokens[state.current_token], now + OLD_TOKEN_GRACE)
            token = secrets.token_urlsafe(96)
            state.tokens[token] = now + state.token_lifetime
            state.current_token = token
        return jsonify({"access_token": token, "expires_in": state.token_lifetime})

    @app.get("/sns/jscode2session")
    def jscode2session():
        if (fault := injected_fault("jscode2session")) is not None:
            return fault
        if request.args.get("appid") != state.appid:
            return _wx(40013, "invalid appid")
        if request.args.get("secret") != state.secret:
            return _wx(40125, "invalid appsecret")
        code = request.args.get("js_code", "")
        if not code:
            return _wx(41008, "missing code")
        with state.lock:
            grant = state.codes.get(code)
            now = state.now()
            if grant is None or now - grant.issued_at > CODE_LIFETIME:
                return _wx(40029, "invalid code")
            if grant.used:
                return _wx(40163, "code been used")
            grant.used = True
            if grant.openid in state.blocked:
                return _wx(40226, "high risk user, login blocked")
            recent = state.login_calls[grant.openid]
            while recent and now - recent[0] > 60:
                recent.popleft()
            if len(recent) >= LOGIN_CALLS_PER_MINUTE:
                return _wx(45011, "api minute-quota reach limit mustslower retry next minute")
            recent.append(now)
            # A new login may replace the session_key, as WeChat's does.
            session_key = secrets.token_urlsafe(18)
            state.session_keys[grant.openid] = session_key
        body: dict[str, Any] = {"openid": grant.openid, "session_key": session_key}
        if grant.unionid:
            body["unionid"] = grant.unionid
        return jsonify(body)

    @app.post("/cgi-bin/message/subscribe/send")
    def send_subscribe_message():
        if (fault := injected_fault("subscribe_send")) is not None:
            return fault
        if (problem := token_problem()) is not None:
            return problem
        payload = request.get_json(force=True, silent=True)  # WeChat ignores Content-Type
        if not isinstance(payload, dict):
            return _wx(47001, "data format error")
        openid, template_id = payload.get("touser"), payload.get("template_id")
        with state.lock:
            if not openid or openid not in state.session_keys:
                return _wx(40003, "invalid openid")
            keys = state.templates.get(template_id or "")
            if keys is None:
                return _wx(40037, "invalid template_id")
            if payload.get("miniprogram_state", "formal") not in ("developer", "trial", "formal"):
                return _wx(47003, "argument invalid! miniprogram_state invalid")
            data = payload.get("data")
            if not isinstance(data, dict):
                return _wx(47003, "argument invalid! data is empty")
            for key in keys:
                entry = data.get(key)
                value = entry.get("value") if isinstance(entry, dict) else None
                if (problem_text := field_problem(key, value)) is not None:
                    return _wx(47003, problem_text)
            consent = state.consents[(openid, template_id)]
            if not consent.long_term:
                if consent.one_time <= 0:
                    return _wx(43101, "user refuse to accept the msg")
                consent.one_time -= 1
            msgid = state.random.getrandbits(62)
            state.inbox.append({
                "msgid": msgid, "touser": openid, "template_id": template_id, "page": payload.get("page"),
                "miniprogram_state": payload.get("miniprogram_state", "formal"),
                "lang": payload.get("lang", "zh_CN"),
                "data": {key: data[key]["value"] for key in keys}, "received_at": state.now(),
            })
        if (fault := injected_fault("subscribe_send", after_sending=True)) is not None:
            return fault
        return _wx(0, "ok", msgid=msgid)

    @app.post("/wxa/msg_sec_check")
    def msg_sec_check():
        if (fault := injected_fault("msg_sec_check")) is not None:
            return fault
        if (problem := token_problem()) is not None:
            return problem
        payload = request.get_json(force=True, silent=True)  # WeChat ignores Content-Type
        if not isinstance(payload, dict) or not isinstance(payload.get("content"), str):
            return _wx(47001, "data format error")
        content = payload["content"]
        with state.lock:
            hit = next(((word, label) for word, label in state.risky_words.items() if word in content), None)
            known = payload.get("openid") in state.session_keys
        if payload.get("version") != 2:
            # v1 (frozen): only a yes/no answer through errcode 87014.
            return _wx(87014, "risky content") if hit else _wx(0, "ok")
        if not known:
            return _wx(40003, "invalid openid")
        if payload.get("scene") not in (1, 2, 3, 4):
            return _wx(40129, "invalid scene")
        if len(content) > 2500:
            return _wx(47003, "argument invalid! content too long")
        suggest, label = ("risky", hit[1]) if hit else ("pass", 100)
        detail = [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label,
                   "prob": 90 if hit else 0, **({"keyword": hit[0]} if hit else {})}]
        return _wx(0, "ok", result={"suggest": suggest, "label": label}, detail=detail,
                   trace_id=secrets.token_hex(12))

    @app.post("/wxa/business/getuserphonenumber")
    def get_user_phone_number():
        if (fault := injected_fault("getuserphonenumber")) is not None:
            return fault
        if (problem := token_problem()) is not None:
            return problem
        payload = request.get_json(force=True, silent=True)
        if not isinstance(payload, dict) or not isinstance(payload.get("code"), str):
            return _wx(47001, "data format error")
        with state.lock:
            grant = state.phone_codes.get(payload["code"])
            if grant is None or grant.used or state.now() - grant.issued_at > PHONE_CODE_LIFETIME:
                return _wx(40029, "invalid code")
            if payload.get("openid") not in (None, grant.openid):
                return _wx(40029, "invalid code, not issued to this openid")
            grant.used = True
            timestamp = int(state.now())
        return _wx(0, "ok", phone_info={"phoneNumber": grant.phone, "purePhoneNumber": grant.phone,
                                        "countryCode": "86", "watermark": {"timestamp": timestamp,
                                                                           "appid": state.appid}})

    @app.post("/cityservice/face/identify/getverifyid")
    def get_verify_id():
        if (fault := injected_fault("getverifyid")) is not None:
            return fault
        if (problem := token_problem()) is not None:
            return problem
        payload = request.get_json(force=True, silent=True)
        cert = payload.get("cert_info") if isinstance(payload, dict) else None
        if not isinstance(cert, dict) or not all(isinstance(cert.get(k), str) and cert.get(k)
                                                 for k in ("cert_type", "cert_name", "cert_no")):
            return _wx(47001, "data format error")
        out_seq_no = payload.get("out_seq_no")
        if not isinstance(out_seq_no, str) or not OUT_SEQ_NO.match(out_seq_no):
            return _wx(47003, "argument invalid! out_seq_no")
        if cert["cert_type"] != CERT_TYPE_ID_CARD:
            return _wx(47003, "argument invalid! cert_type")
        with state.lock:
            if payload.get("openid") not in state.session_keys:
                return _wx(40003, "invalid openid")
            if out_seq_no in state.out_seq_nos:
                return _wx(47003, "argument invalid! out_seq_no repeated")
            state.out_seq_nos.add(out_seq_no)
            verify_id = secrets.token_urlsafe(48)
            state.face_sessions[verify_id] = FaceSessionRecord(
                payload["openid"], out_seq_no, cert_hash(cert["cert_name"], cert["cert_no"], cert["cert_type"]),
                state.now())
        return _wx(0, "ok", verify_id=verify_id, expires_in=FACE_SESSION_LIFETIME)

    @app.post("/cityservice/face/identify/queryverifyinfo")
    def query_verify_info():
        if (fault := injected_fault("queryverifyinfo")) is not None:
            return fault
        if (problem := token_problem()) is not None:
            return problem
        payload = request.get_json(force=True, silent=True)
        if not isinstance(payload, dict) or not all(isinstance(payload.get(k), str)
                                                    for k in ("verify_id", "out_seq_no", "cert_hash", "openid")):
            return _wx(47001, "data format error")
        with state.lock:
            record = state.face_sessions.get(payload["verify_id"])
            if record is None or state.now() - record.issued_at > FACE_SESSION_LIFETIME:
                return _wx(FACE_INVALID_ID, "invalid verify_id")
            if (payload["openid"], payload["out_seq_no"], payload["cert_hash"]) != (
                    record.openid, record.out_seq_no, record.cert_hash):
                return _wx(FACE_MISMATCH, "openid, out_seq_no or cert_hash not match")
            if record.verify_ret is None:
                return _wx(FACE_NOT_FINISHED, "face verification not finished")
            return _wx(0, "ok", verify_ret=record.verify_ret)

    # --- control API (not part of WeChat) ------------------------------------

    @app.post("/emulator/phone-codes")
    def mint_phone_code():
        """What tapping 允许 on a getPhoneNumber button gives the page."""
        body = request.get_json(silent=True) or {}
        openid, phone = body.get("openid"), str(body.get("phone") or "")
        if not openid or not re.fullmatch(r"1\d{10}", phone):
            return jsonify({"error": "openid and an 11-digit phone are required"}), 400
        code = secrets.token_urlsafe(24)
        with state.lock:
            state.phone_codes[code] = PhoneGrant(openid, phone, state.now())
        return jsonify({"code": code}), 201

    @app.post("/emulator/facial-verify")
    def facial_verify():
        """What wx.requestFacialVerify does on the phone: only the user the session was made for, once,
        before it expires. verify_ret picks the outcome (10000 = the face matched)."""
        body = request.get_json(silent=True) or {}
        verify_ret = int(body.get("verify_ret", FACE_VERIFIED))
        with state.lock:
            record = state.face_sessions.get(str(body.get("verify_id")))
            if record is None or state.now() - record.issued_at > FACE_SESSION_LIFETIME:
                return jsonify({"errCode": FACE_INVALID_ID, "errMsg": "requestFacialVerify:fail invalid verifyId"}), 400
            if record.openid != body.get("openid"):
                return jsonify({"errCode": FACE_INVALID_ID, "errMsg": "requestFacialVerify:fail user mismatch"}), 400
            if record.verify_ret is not None:
                return jsonify({"errCode": FACE_INVALID_ID, "errMsg": "requestFacialVerify:fail verifyId used"}), 400
            record.verify_ret = verify_ret
        return jsonify({"errCode": 0, "errMsg": "requestFacialVerify:ok", "verifyResult": verify_ret}), 200


    @app.post("/emulator/login-codes")
    def mint_login_code():
        body = request.get_json(silent=True) or {}
        openid = body.get("openid") or "o" + secrets.token_urlsafe(20)
        code = secrets.token_urlsafe(24)
        with state.lock:
            state.codes[code] = CodeGrant(openid, body.get("unionid"), state.now())
        return jsonify({"code": code, "openid": openid}), 201

    @app.put("/emulator/templates/<template_id>")
    def put_template(template_id: str):
        body = request.get_json(silent=True) or {}
        keys = body.get("keys")
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            return jsonify({"error": "keys must be a list of field names such as thing1"}), 400
        with state.lock:
            state.templates[template_id] = keys
        return jsonify({"template_id": template_id, "keys": keys})

    @app.get("/emulator/templates")
    def list_templates():
        with state.lock:
            return jsonify(dict(state.templates))

    @app.post("/emulator/consents")
    def grant_consent():
        """What wx.requestSubscribeMessage's `accept` does on WeChat's side."""
        body = request.get_json(silent=True) or {}
        openid, template_id = body.get("openid"), body.get("template_id")
        kind = body.get("kind", "one_time")
        if not openid or not template_id or kind not in ("one_time", "long_term"):
            return jsonify({"error": "openid, template_id and kind one_time|long_term are required"}), 400
        with state.lock:
            consent = state.consents[(openid, template_id)]
            if kind == "long_term":
                consent.long_term = True
            else:
                consent.one_time += int(body.get("count", 1))
            return jsonify(asdict(consent)), 201

    @app.get("/emulator/consents")
    def list_consents():
        openid = request.args.get("openid")
        with state.lock:
            rows = [{"openid": o, "template_id": t, **asdict(c)} for (o, t), c in state.consents.items()
                    if openid in (None, o)]
        return jsonify(rows)

    @app.post("/emulator/bulk-users")
    def bulk_users():
        """Many users at once (benchmarks): each has opened the app and granted the given templates."""
        body = request.get_json(silent=True) or {}
        openids, grants = body.get("openids") or [], body.get("templates") or []
        with state.lock:
            for openid in openids:
                state.session_keys[openid] = secrets.token_urlsafe(18)
                for grant in grants:
                    consent = state.consents[(openid, grant["template_id"])]
                    if grant.get("kind") == "long_term":
                        consent.long_term = True
                    else:
                        consent.one_time += int(grant.get("count", 1))
        return jsonify({"users": len(openids)}), 201

    @app.post("/emulator/blocked-users")
    def block_user():
        body = request.get_json(silent=True) or {}
        with state.lock:
            state.blocked.add(str(body.get("openid")))
        return jsonify({"blocked": sorted(state.blocked)}), 201

    @app.post("/emulator/faults")
    def add_fault():
        body = request.get_json(silent=True) or {}
        if body.get("api") not in (*APIS, "*"):
            return jsonify({"error": f"api must be one of {', '.join(APIS)} or *"}), 400
        rule = FaultRule(api=body["api"], errcode=body.get("errcode"), http_status=body.get("http_status"),
                         rate=float(body.get("rate", 1.0)), latency_ms=int(body.get("latency_ms", 0)),
                         times=body.get("times"), after_sending=bool(body.get("after_sending", False)))
        with state.lock:
            state.faults.append(rule)
        return jsonify(asdict(rule)), 201

    @app.delete("/emulator/faults")
    def clear_faults():
        with state.lock:
            state.faults.clear()
        return "", 204

    @app.get("/emulator/inbox")
    def read_inbox():
        openid, template_id = request.args.get("openid"), request.args.get("template_id")
        with state.lock:
            rows = [m for m in state.inbox if openid in (None, m["touser"]) and template_id in (None, m["template_id"])]
        return jsonify(rows)

    @app.delete("/emulator/inbox")
    def clear_inbox():
        with state.lock:
            state.inbox.clear()
        return "", 204

    @app.post("/emulator/clock")
    def advance_clock():
        body = request.get_json(silent=True) or {}
        with state.lock:
            state.clock.offset += float(body.get("advance_seconds", 0))
            return jsonify({"clock_offset": state.clock.offset})

    @app.post("/emulator/reset")
    def reset():
        with state.lock:
            state.reset()
        return "", 204

    @app.get("/emulator/stats")
    def stats():
        with state.lock:
            return jsonify({"calls": dict(state.calls), "token_fetches": state.token_fetches,
                            "delivered": len(state.inbox), "faults": [asdict(f) for f in state.faults]})

    return app
