"""The console blueprint: the sign-in guard, role check, CSRF, HTML error pages, template helpers."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import structlog
from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from pydantic import ValidationError

from miniapp_api.console import auth
from miniapp_api.platform.clock import local
from miniapp_api.platform.errors import NOT_FOUND, DomainError, field_errors
from miniapp_api.staff import services as staff_services
from miniapp_api.staff.models import Role, Staff

log = structlog.get_logger(__name__)
bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
csrf = CSRFProtect()
PUBLIC_ENDPOINTS = {"console.login", "console.static"}
ROLE_NAMES = {Role.ADMIN: "系统管理员", Role.CENTRE_MANAGER: "中心负责人", Role.WINDOW_STAFF: "窗口工作人员",
              Role.FEEDBACK_HANDLER: "诉求办理人员", Role.SUPERVISOR: "督办人员"}
EVERYONE = tuple(Role)
# Form fields as the pages label them, for the error page's per-field list.
FIELD_LABELS = {
    "booking_horizon_days": "可预约天数", "min_notice_minutes": "最晚提前预约", "cancel_cutoff_minutes": "最晚取消/改约",
    "max_active_per_person": "每人有效预约上限", "no_show_limit": "爽约次数上限", "no_show_window_days": "爽约统计天数",
    "suspension_days": "暂停预约天数", "no_show_grace_minutes": "迟到宽限", "to": "改为", "public_note": "给申请人的说明",
    "internal_note": "内部备注", "missing_materials": "容缺材料", "promise_text": "书面承诺", "materials_due_on": "补交期限",
    "corrections": "补正材料", "corrections_due_on": "补正期限", "pickup_place": "领取地点", "pickup_hours": "领取时间",
    "carrier": "快递公司", "tracking_number": "快递单号", "centre_id": "服务中心", "item_code": "事项编码",
    "applicant": "申请人", "answer": "答复内容", "staff_id": "指派给", "note": "核实情况", "category": "整改方式",
    "reply": "给群众的回复", "reason": "原因", "day": "日期", "is_workday": "这一天", "weekday": "星期", "opens": "开始",
    "closes": "结束", "label": "说明", "counters": "柜台数", "item_codes": "办理的事项", "name": "窗口名称",
    "kind": "类型", "slot_minutes": "时段长度", "action": "操作", "file": "CSV 文件",
}


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
        raise DomainError("没有找到该页面", code=NOT_FOUND, status=404)
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
    return {"staff": staff, "role_names": ROLE_NAMES, "can": (lambda *roles: bool(staff and staff.has_role(*roles)))}


@bp.app_template_filter("field_label")
def _field_label(name: str) -> str:
    """'line 3' (a CSV line) → 第3行; a form field → its label on the page."""
    if name.startswith("line ") and name[5:].isdigit():
        return f"第{name[5:]}行"
    return FIELD_LABELS.get(name, name)


@bp.app_template_filter("ymd")
def _local_date(moment) -> str:
    return local(moment).strftime("%Y-%m-%d") if moment else ""


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
    return _error_page(422, "提交的信息有误，请按提示修改", {k.split(".")[0]: v for k, v in field_errors(exc).items()})


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError):
    return _error_page(400, "页面已过期或来源不明，请刷新页面后重新提交")
