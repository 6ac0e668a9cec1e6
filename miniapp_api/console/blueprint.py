"""The console blueprint: the sign-in guard, role check, CSRF, HTML error pages, template helpers."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import structlog
from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from pydantic import ValidationError
from werkzeug.exceptions import TooManyRequests

from miniapp_api.console import auth, messages
from miniapp_api.platform.clock import local
from miniapp_api.platform.errors import NOT_FOUND, DomainError, field_errors
from miniapp_api.staff import services as staff_services
from miniapp_api.staff.models import Role, Staff

log = structlog.get_logger(__name__)
bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
csrf = CSRFProtect()
PUBLIC_ENDPOINTS = {"console.login", "console.static"}
# Every role but the 代办点 clerk's, who may open only the pages that name that role (console/sites.py).
EVERYONE = tuple(role for role in Role if role != Role.SITE_CLERK)
ALL_ROLES = tuple(Role)     # signing out, and the home page (which sends a 代办点 clerk to the desk)


def page(*roles: str) -> Callable:
    """Who may open a page; anyone else gets the same 404 as for a page that does not exist."""
    def mark(view):
        view.console_roles = roles or EVERYONE
        return view
    return mark


@bp.before_request
def _guard():
    if request.method == "POST":
        csrf.protect()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    try:
        g.staff = auth.signed_in_staff()
    except staff_services.StaffAuthFailed:
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    view = current_app.view_functions.get(request.endpoint or "")
    if not g.staff.has_role(*getattr(view, "console_roles", ())):
        raise DomainError(messages.PAGE_NOT_FOUND, code=NOT_FOUND, status=404)
    return None


@bp.after_request
def _no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")  # pages carry personal data
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@bp.app_context_processor
def _console_context() -> dict:
    staff: Staff | None = g.get("staff")
    return {"staff": staff, "role_names": messages.ROLE_NAMES,
            "can": (lambda *roles: bool(staff and staff.has_role(*roles)))}


@bp.app_template_filter("field_label")
def _field_label(name: str) -> str:
    """'line 3' (a CSV line) → 第3行; a form field → its label on the page."""
    if name.startswith("line ") and name[5:].isdigit():
        return messages.CSV_LINE.format(number=name[5:])
    return messages.FIELD_LABELS.get(name, name)


@bp.app_template_filter("ymd")
def _local_date(moment) -> str:
    return local(moment).strftime("%Y-%m-%d") if moment else ""


@bp.app_template_filter("ymdhm")
def _local_minute(moment) -> str:
    return local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _back_link() -> str:
    referrer = request.referrer or ""
    same_site = urlsplit(referrer).netloc == request.host and urlsplit(referrer).path.startswith("/console")
    return referrer if same_site else url_for("console.home")


def _error_page(status: int, message: str, fields: dict[str, str] | None = None):
    log.info("console.refused", status=status, message=message, fields=sorted(fields or {}))
    return render_template("console/error.html", status=status, message=message, fields=fields or {},
                           back=_back_link()), status


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    return _error_page(exc.status, exc.message, exc.fields)


@bp.errorhandler(ValidationError)
def _invalid_form(exc: ValidationError):
    return _error_page(422, messages.INVALID_FORM, {k.split(".")[0]: v for k, v in field_errors(exc).items()})


@bp.errorhandler(TooManyRequests)
def _too_many(exc: TooManyRequests):
    return _error_page(429, messages.TOO_MANY_TRIES)


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError):
    return _error_page(400, messages.FORM_EXPIRED)
