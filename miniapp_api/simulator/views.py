"""The phone simulator: the mini-program's own pages (miniprogram/) bundled for the browser with the tester's
panel beside them, and the emulator calls WeChat's client would make (wx.login's code,
wx.requestSubscribeMessage's consent, the service-notification list, the getPhoneNumber button's code,
wx.requestFacialVerify). Development only (settings.simulator_enabled)."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import requests
from flask import Blueprint, abort, current_app, jsonify, redirect, request, send_from_directory, url_for

from config.settings import PROJECT_ROOT

bp = Blueprint("simulator", __name__, url_prefix="/simulator", static_folder="static",
               static_url_path="/static")
MINIPROGRAM = PROJECT_ROOT / "miniprogram"
MP_BUILD = Path(__file__).parent / "mp" / "build.js"
# What the browser bundle of the mini-program's own pages is made from (rebuilt when any of it changes).
MP_SOURCES = [MINIPROGRAM / "app.js", MINIPROGRAM / "app.json", MINIPROGRAM / "app.wxss", MINIPROGRAM / "pages",
              MINIPROGRAM / "utils", Path(__file__).parent / "mp"]
MP_UNAVAILABLE = "小程序页面还没有打包：需要 Node.js 和 miniprogram/ 下的 npm 包（./test 或 cd miniprogram && npm ci）"
_mp_build_lock = threading.Lock()
FACIAL_VERIFY_FAILED = "刷脸没有完成：这次核验已失效、已用过或不属于当前微信用户，请重新发起实名核验"


def _emulator(method: str, path: str, **kwargs):
    base = current_app.config["BANSHI_SETTINGS"].wechat_api_base
    try:
        response = requests.request(method, f"{base}/emulator/{path}", timeout=5, **kwargs)
    except requests.RequestException:
        return jsonify({"error": {"code": "emulator_unavailable", "message": "微信模拟器没有启动", "fields": {}}}), 503
    return current_app.response_class(response.content, status=response.status_code,
                                      mimetype=response.headers.get("Content-Type", "application/json"))


@bp.get("/")
def page():
    """The simulator's address in README: the phone at /simulator/mp/, with the tester's choices kept."""
    query = request.query_string.decode("ascii", "replace")
    return redirect(url_for("simulator.mp_page") + (f"?{query}" if query else ""))


@bp.get("/mp/")
def mp_page():
    """The mini-program's own pages in the browser, and the tester's panel (docs/miniprogram.md)."""
    return send_from_directory(bp.static_folder, "mp.html", max_age=0)


def _newest_source() -> float:
    return max(p.stat().st_mtime for source in MP_SOURCES
               for p in ([source] if source.is_file() else source.rglob("*")) if p.is_file())


def _mp_bundle() -> Path | None:
    """The browser bundle, built with esbuild (miniprogram/node_modules) when missing or older than its sources."""
    out = current_app.config["BANSHI_SETTINGS"].instance_path / "simulator-mp" / "miniprogram.js"
    with _mp_build_lock:
        if out.exists() and out.stat().st_mtime >= _newest_source():
            return out
        node = shutil.which("node")
        if node is None or not (MINIPROGRAM / "node_modules" / "esbuild").exists():
            return None
        out.parent.mkdir(parents=True, exist_ok=True)
        # Built beside it and moved into place in one step: another process (a gunicorn worker) serving the
        # bundle meanwhile reads the old one whole, never half of the new.
        building = out.with_name(f"{out.name}.{os.getpid()}.building")
        try:
            built = subprocess.run([node, str(MP_BUILD), str(building)], capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            current_app.logger.error("mini-program bundle took over 60 s")
            building.unlink(missing_ok=True)
            return None
        if built.returncode != 0:
            current_app.logger.error("mini-program bundle failed: %s", built.stderr[-2000:])
            building.unlink(missing_ok=True)
            return None
        os.replace(building, out)
    return out


@bp.get("/mp/miniprogram.js")
def mp_bundle():
    bundle = _mp_bundle()
    if bundle is None:
        return jsonify({"error": {"code": "bundle_unavailable", "message": MP_UNAVAILABLE, "fields": {}}}), 503
    return send_from_directory(bundle.parent, bundle.name, mimetype="text/javascript", max_age=0)


@bp.post("/wechat/login-codes")
def login_code():
    """wx.login(): a one-time code for the chosen test user."""
    openid = str((request.get_json(silent=True) or {}).get("openid", ""))[:64]
    return _emulator("POST", "login-codes", json={"openid": openid or None})


@bp.post("/wechat/consents")
def consent():
    """wx.requestSubscribeMessage answered 'accept' on WeChat's side."""
    body = request.get_json(silent=True) or {}
    return _emulator("POST", "consents", json={"openid": str(body.get("openid", ""))[:64],
                                               "template_id": str(body.get("template_id", ""))[:64],
                                               "kind": body.get("kind", "one_time")})


@bp.get("/wechat/inbox")
def inbox():
    """服务通知: the subscribe messages WeChat delivered to this test user."""
    openid = request.args.get("openid", "")[:64]
    if not openid:
        abort(404)
    return _emulator("GET", "inbox", params={"openid": openid})


@bp.post("/wechat/phone-codes")
def phone_code():
    """The getPhoneNumber button, 允许 tapped: a one-time code for this test user's WeChat phone."""
    body = request.get_json(silent=True) or {}
    return _emulator("POST", "phone-codes", json={"openid": str(body.get("openid", ""))[:64],
                                                  "phone": str(body.get("phone", ""))[:20]})


@bp.post("/wechat/facial-verify")
def facial_verify():
    """wx.requestFacialVerify on the phone; the chosen verify_ret stands for how the face check went."""
    body = request.get_json(silent=True) or {}
    try:
        verify_ret = int(body.get("verify_ret", 10000))
    except (TypeError, ValueError):
        abort(400)
    answer = _emulator("POST", "facial-verify", json={"verify_id": str(body.get("verify_id", ""))[:300],
                                                      "openid": str(body.get("openid", ""))[:64],
                                                      "verify_ret": verify_ret})
    if isinstance(answer, tuple) or answer.status_code < 400:
        return answer
    # The emulator's refusal (errCode, errMsg) is what wx.requestFacialVerify's fail callback gets on a phone.
    refusal = answer.get_json(silent=True) or {}
    return jsonify({"errCode": refusal.get("errCode"), "errMsg": refusal.get("errMsg", "requestFacialVerify:fail"),
                    "error": {"code": "facial_verify_failed", "message": FACIAL_VERIFY_FAILED, "fields": {}}}), 400
