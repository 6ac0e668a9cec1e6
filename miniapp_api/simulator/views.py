"""Serves the simulator page, the mini-program's own request layer, and the emulator calls WeChat's
client would make (wx.login's code, wx.requestSubscribeMessage's consent, the service-notification list)."""

from __future__ import annotations

import requests
from flask import Blueprint, abort, current_app, jsonify, request, send_from_directory

from config.settings import PROJECT_ROOT

bp = Blueprint("simulator", __name__, url_prefix="/simulator", static_folder="static",
               static_url_path="/static")
MINIPROGRAM_UTILS = PROJECT_ROOT / "miniprogram" / "utils"
SHARED_SCRIPTS = {"request.js", "format.js", "consent.js"}


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
    return send_from_directory(bp.static_folder, "index.html", max_age=0)


@bp.get("/lib/<name>")
def shared_script(name: str):
    """The mini-program's utils, served as they are: the simulator runs the same request layer."""
    if name not in SHARED_SCRIPTS:
        abort(404)
    return send_from_directory(MINIPROGRAM_UTILS, name, mimetype="text/javascript", max_age=0)


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
