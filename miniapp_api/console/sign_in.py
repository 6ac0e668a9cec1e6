"""Console sign-in, sign-out and the home page."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from miniapp_api.console import auth, messages, queries, sites
from miniapp_api.console.blueprint import ALL_ROLES, bp, page
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.rate_limits import STAFF_LOGIN_PER_IP, STAFF_LOGIN_PER_USERNAME, limiter, per_username
from miniapp_api.staff import services as staff_services

# --- sign-in --------------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    """Only a path inside the console: never an open redirect."""
    if target and target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(STAFF_LOGIN_PER_USERNAME, key_func=per_username, methods=["POST"])
@limiter.limit(STAFF_LOGIN_PER_IP, methods=["POST"])
def login():
    if request.method == "GET":
        return render_template("console/login.html", next=request.args.get("next", ""), error=None)
    username, password = request.form.get("username", "").strip(), request.form.get("password", "")
    if not username or not password or len(username) > 40 or len(password) > 128:
        return render_template("console/login.html", next=request.form.get("next", ""),
                               error=messages.LOGIN_REQUIRED_FIELDS), 422
    try:
        auth.sign_in(username, password)
    except staff_services.StaffAuthFailed as exc:  # a failed attempt still counts (kept by the service)
        return render_template("console/login.html", next=request.form.get("next", ""), error=exc.message,
                               username=username), exc.status
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.post("/logout")
@page(*ALL_ROLES)
def logout():
    auth.sign_out()
    return redirect(url_for("console.login"), code=303)


@bp.get("/")
@page(*ALL_ROLES)
def home():
    if g.staff.site_only:   # a 代办点 clerk's home is the desk
        return sites.site_desk()
    return render_template("console/home.html", **queries.home(db.session, g.staff, utcnow()))

