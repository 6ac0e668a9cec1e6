"""What staff read on the console's pages: role and field names, confirmations and refusals. Reviewed in one place."""

from miniapp_api.staff.models import Role

ROLE_NAMES = {Role.ADMIN: "系统管理员", Role.CENTRE_MANAGER: "中心负责人", Role.WINDOW_STAFF: "窗口工作人员",
              Role.FEEDBACK_HANDLER: "诉求办理人员", Role.SUPERVISOR: "督办人员", Role.SITE_CLERK: "代办点工作人员"}
# Form fields as the pages label them, for the error page's per-field list.
FIELD_LABELS = {
    "booking_horizon_days": "可预约天数", "min_notice_minutes": "最晚提前预约", "cancel_cutoff_minutes": "最晚取消/改约",
    "max_active_per_person": "每人有效预约上限", "no_show_limit": "爽约次数上限", "no_show_window_days": "爽约统计天数",
    "max_active_for_others": "每个账号代他人预约上限", "suspension_days": "暂停预约天数", "no_show_grace_minutes": "迟到宽限", "to": "改为", "public_note": "给申请人的说明",
    "internal_note": "内部备注", "missing_materials": "容缺材料", "promise_text": "书面承诺", "materials_due_on": "补交期限",
    "corrections": "补正材料", "corrections_due_on": "补正期限", "pickup_place": "领取地点", "pickup_hours": "领取时间",
    "carrier": "快递公司", "tracking_number": "快递单号", "centre_id": "服务中心", "item_code": "事项编码",
    "applicant": "申请人", "answer": "答复内容", "staff_id": "指派给", "note": "核实情况", "category": "整改方式",
    "reply": "给群众的回复", "reason": "原因", "day": "日期", "is_workday": "这一天", "weekday": "星期", "opens": "开始",
    "closes": "结束", "label": "说明", "counters": "柜台数", "item_codes": "办理的事项", "name": "窗口名称",
    "kind": "类型", "slot_minutes": "时段长度", "action": "操作", "file": "CSV 文件", "code": "授权码",
    "paper_ref": "授权书扫描件编号", "checkin_radius_m": "定位签到范围",
    "waitlist_hold_minutes": "候补号源保留", "max_active_for_others": "每个账号代他人预约上限",
    "id_number": "身份证号", "confirm": "确认", "account_name": "户名", "bank": "开户银行", "account_number": "银行账号",
    "from_time": "开始时间", "to_time": "结束时间", "window_ids": "窗口",
    "purpose": "代办事由", "valid_hours": "授权有效时长", "scopes": "授权范围", "slot_id": "预约时段",
    "contact_days": "首次联系时限", "summary": "办结说明", "expected_staff_id": "原帮办员",
}
CSV_LINE = "第{number}行"
PAGE_NOT_FOUND = "没有找到该页面"
INVALID_FORM = "提交的信息有误，请按提示修改"
TOO_MANY_TRIES = "尝试太频繁，请稍后再试"
FORM_EXPIRED = "页面已过期或来源不明，请刷新页面后重新提交"
LOGIN_REQUIRED_FIELDS = "请输入用户名和密码"

# Centre setup
POLICY_LABELS = {
    "booking_horizon_days": "可预约天数", "min_notice_minutes": "最晚提前预约（分钟）",
    "cancel_cutoff_minutes": "最晚取消/改约（开始前分钟）", "max_active_per_person": "每人有效预约上限",
    "max_active_for_others": "每个账号代他人（未授权）预约上限（0 为不允许）",
    "no_show_limit": "爽约次数上限", "no_show_window_days": "爽约统计天数", "suspension_days": "暂停预约天数",
    "no_show_grace_minutes": "迟到宽限（分钟）", "waitlist_hold_minutes": "候补号源保留（分钟）"}
WEEKDAYS = "一二三四五六日"
POLICY_SAVED = "预约规则已保存，对此后的预约生效"
PERIOD_ADDED = "已增加办公时段，新开放 {slots} 个预约时段"
PERIOD_REMOVED = "已删除办公时段；已有的预约不受影响"
WINDOW_SAVED = "已保存“{name}”"
WINDOW_ADDED = "已增加窗口“{name}”"
DAY_SET = "已设置 {day} 为{kind}"
WORKDAY, RESTDAY = "工作日", "休息日"
SUSPENSION_NOT_FOUND = "没有找到该暂停记录"
SUSPENSION_LIFTED = "已解除暂停预约"
# 暂停服务 (closures)
CLOSURE_CONFIRM = "请确认：勾选后再提交，才会暂停服务并取消预约"
CLOSURE_PREVIEW = "这段时间已有 {count} 个预约。暂停服务后，这些预约将全部取消，并通过微信、短信和站内消息告诉本人，附上最早可改约的时段。"
CLOSURE_PREVIEW_NONE = "这段时间还没有人预约。暂停服务后，这段时间不再开放预约。"
CLOSED = "已暂停服务：取消了 {cancelled} 个预约、结束了 {waitlist} 个候补，已通知本人"
REOPENED = "已恢复服务：这段时间重新开放预约（已取消的预约不会恢复）"
CSV_NOT_UTF8 = "文件不是 UTF-8 编码的 CSV，请在 Excel 中“另存为 CSV UTF-8”后重新上传"
CSV_ENCODING_FIELD = "编码不正确"

# Casework
APPLICATION_MOVED = "已改为“{status}”"
MATERIAL_RECEIVED = "已登记收到材料"
APPLICATION_TAKEN_IN = "已收件，受理编号 {reference}"
FEEDBACK_CLAIMED = "已接单"
FEEDBACK_ASSIGNED = "已指派"
FEEDBACK_ANSWERED = "已答复，群众将收到通知并可评价"
RECTIFICATION_VERIFIED = "已记录回访核实"
RECTIFICATION_FIXED = "已登记整改，群众将收到回复"

# Counter
ACTION_DONE = {"recall": "已再次叫号 {number}", "skip": "{number} 已过号", "start": "开始办理 {number}",
               "finish": "{number} 已办结"}
CALLED = "请 {number} 号到 {window} 办理"
NOBODY_WAITING = "目前没有等候的人"
QUEUE_NEWS = "队列已更新：等候 {waiting} 人，当前：{current}"
QUEUE_NOBODY_CURRENT = "没有人在办理"
# 今日预约: where each booked person is
ARRIVAL_STATES = {"booked": "未到", "checked_in": "已签到", "serving": "办理中", "served": "已办结",
                  "no_show": "未到场", "cancelled": "已取消"}
DAY_SUSPENDED = "这一天暂停服务：{reason}"
DAY_HOLIDAY = "这一天是节假日，中心不开放"
DAY_NOT_OPEN = "这一天中心不开放（休息日或没有办公时段）"

# Dashboard
GROUPS = {"centre": "按中心", "window": "按窗口", "item": "按事项", "month": "按月份"}
CHART_BOOKINGS, SERIES_BOOKINGS, SERIES_NO_SHOWS = "每日预约量", "预约", "未到场"
CHART_UPCOMING = "今天起 7 天已预约"
CHART_NO_SHOW_RATE = "爽约率"
CHART_WAITS, SERIES_AVERAGE, SERIES_P90, UNIT_MINUTES = "取号到叫号等候时间（分钟）", "平均", "90%的人不超过", " 分钟"
CHART_RATINGS, SERIES_GOOD_RATE, SERIES_RECTIFIED_RATE = "好评率与差评整改率（{group}）", "好评率", "差评整改率"
CHART_SLA, SERIES_ON_TIME, SERIES_LATE = "诉求按时答复", "按时答复", "超时答复"
NO_DATA = "暂无数据"

# Identity: paper authorisations (亲友代办) and velocity alerts
AUTHORISATION_RECORDED = "已登记纸质授权书，{name}的亲友代办授权已生效"
ALERT_KINDS = {
    "verifications_by_account": "同一账号 1 小时内发起 {count} 次实名核验",
    "verifications_by_id": "同一身份证号 1 小时内在 {count} 个账号发起核验",
    "bookings_by_account": "同一账号 1 小时内预约 {count} 次",
    "bookings_by_person": "同一人 1 小时内被 {count} 个账号预约",
    "cancellations_by_account": "同一账号 1 小时内取消 {count} 次",
}

# Guidance (智能导服)
DRAFT_SAVED = "已保存为第{version}版草稿，发布后群众才能看到"
PUBLISHED = "已发布第{version}版，群众现在看到的是这一版"
SYNONYMS_ADDED = "已添加同义词组"
SYNONYMS_RETIRED = "已停用同义词组"
IMPORT_DONE = "已导入 {count} 条{how}"
IMPORT_AS_DRAFTS = "（草稿，逐条发布后生效）"
IMPORT_PUBLISHED = "并已发布"
YAML_LIST = "应为列表"
SCAN_TO_CHECK_IN = "扫码签到取号"

# 政策快享
POLICY_ROW = "第{row}行条件"
RULE_LABELS = {"rule": "适用条件", "rule.subject": "适用对象", "rule.all": "适用条件", "cases": "测试用例"}
POLICY_RULE_SAVED = "已保存为第{version}版草稿：测试用例通过 {passed}/{total}"
POLICY_PUBLISHED = "第{version}版已发布，正在与个人和企业数据比对"
GRANT_REVIEWED = "办件 {reference}：{status}"
CERTIFICATE_REVOKED = "证照 {identifier} 已撤销，已通知持证人"
REVOKE_REASON_NEEDED = "请填写撤销原因（4 至 200 字），持证人会收到这个原因"
REVOKE_CONFIRM_NEEDED = "撤销后不能恢复，持证人会收到通知：请勾选“确认撤销”后再提交"
MEMBER_LIST_NEEDED = "请选择名单文件（Excel .xlsx 或 CSV）"
MEMBER_LIST_TOO_BIG = "名单文件太大（最多约 900 KB），请分批上传"
BATCH_FORM_INVALID = "请完整填写中心、事项编码、批次名称和企业名称（信用代码为18位）"
REPORT_QUEUED = "共 {rows} 条记录，较多，正在后台生成；完成后可在本页下载（页面自动刷新）"
BATCH_QUEUED = "名单已通过检查，正在创建 {count} 件办件"
BATCH_MOVED = "{count} 件已变更为“{status}”"
SLOT_FORM_INVALID = "请填写开始时间（如 2026-11-25T14:00）和时长"
SLOT_ADDED = "已添加踏勘时段"
INSPECTION_SIGNED = "踏勘结论已签署，已记入办件进度"
INSPECTION_SCHEDULED = "已安排远程踏勘，已通知申请人"
VIDEO_LINK_INVALID = "视频链接应以 https:// 开头"

# Businesses: agents at the counter, ending a link, the payout account on record
AGENT_CONFIRMED = "已确认{name}为经办人，授权有效期至{until}"
AGENT_ENDED = "已结束该经办人的授权，并已通知本人；此操作已记入审计日志"
END_NOT_CONFIRMED = "请勾选确认后再结束授权"
PAYOUT_SAVED = "已登记企业收款账户，此后该企业的免申即享资金只发放到此账户"

# The audit log page (console/audit.py).
AUDIT_FIELD_LABELS = {"staff": "工作人员账号", "action": "操作", "subject_type": "对象类型", "subject_id": "对象编号",
                      "id_number": "群众身份证号", "day_from": "开始日期", "day_to": "结束日期", "page": "页码"}
AUDIT_UNKNOWN_STAFF = "没有这个工作人员账号"
AUDIT_ID_NUMBER = "请输入18位身份证号"
AUDIT_DAYS_ORDER = "开始日期不能晚于结束日期"

# 操作日志: what each recorded action means, in words (the code stays beside it: it is what one searches by).
AUDIT_ACTION_NAMES = {
    "account.deletion_requested": "申请注销账号", "account.erased": "注销后清除个人信息",
    "audit_log.export": "导出操作日志", "audit_log.search_person": "按身份证号查询日志",
    "booking_suspension.lift": "解除暂停预约", "business.agent_confirmed": "确认企业经办人",
    "business.agent_ended": "结束经办人授权", "business.agent_renewed": "续期经办人授权",
    "business.payout_account": "登记企业收款账户", "calendar_override": "调整工作日",
    "centre.booking_policy": "修改预约规则", "centre.closed": "暂停服务", "centre.reopened": "恢复服务",
    "centre.hours_added": "增加办公时段", "centre.hours_removed": "删除办公时段", "centre.window_added": "增加窗口",
    "centre.window_changed": "修改窗口", "certificate.revoke": "撤销电子证照",
    "decide_rating_invalidation": "审核无效评价", "request_rating_invalidation": "申请认定无效评价",
    "export_survey_results": "导出回访结果", "publish_survey": "发布回访问卷", "file.view": "查看上传的文件",
    "filing.view": "查看网上申报", "guidance.publish": "发布导服内容", "guidance.save": "保存导服草稿",
    "guidance.synonyms": "添加同义词", "guidance.synonyms_retired": "停用同义词", "import_businesses": "导入市场主体",
    "import_licences": "导入证照", "import_person_facts": "导入政策匹配数据", "login": "登录",
    "login_failed": "登录失败", "login_while_locked": "锁定期间尝试登录", "policy.document_created": "新建政策文件",
    "policy.grant_paid": "政策资金已拨付", "policy.grant_reviewed": "审核政策兑现", "policy.item_created": "新建政策事项",
    "policy.published": "发布政策", "policy.retired": "停用政策", "policy.rule_saved": "保存政策规则",
    "policy.subject_checked": "核对政策对象", "relative_authorisation.paper": "登记纸质亲友授权",
    "report.download": "下载报表", "report.export": "导出报表", "set_feedback_sla": "设置诉求办理时限",
    "view_application": "查看办件", "view_feedback": "查看诉求",
    "assistance.view": "查看帮办请求", "assistance.assigned": "分派帮办员", "assistance.reassigned": "改派帮办员", "assistance.book_for": "帮办员代为预约",
    "assistance.taken_at_site": "代办点登记帮办请求", "assistance.claimed": "群众找回代办点登记的求助",
    "assistance.set_sla": "设置帮办首次联系时限",
    "application.revoke_approval": "撤销告知承诺审批", "project.create": "建立重点项目", "project.view": "查看重点项目",
    "project.officer": "添加服务专员", "project.milestone": "添加项目节点", "project.milestone_done": "项目节点完成",
    "project.link_case": "办件关联项目节点", "audit.redacted": "注销时抹去日志中的个人信息",
}

# 帮办代办
ASSISTANCE_TAKEN = "已接手该帮办请求，请在首次联系期限前联系群众"
ASSISTANCE_ASSIGNED = "已分派帮办员，群众会收到通知"
ASSISTANCE_REASSIGNED = "已改派帮办员，原帮办员的代办授权已结束，群众会收到通知"
ASSISTANCE_CONTACTED = "已记录联系情况"
ASSISTANCE_GRANT_ASKED = "已向群众发出代办授权申请，群众确认后才可代为办理"
ASSISTANCE_BOOKED = "已为群众代为预约，群众会收到预约通知"
ASSISTANCE_CLOSED = "帮办请求已办结，群众会收到通知并可评价"
ASSISTANCE_SLA_SAVED = "首次联系时限已设为 {days} 个工作日，对此后的请求生效"
ASSISTANCE_WECHAT_USER = "微信用户（未填写姓名）"
SITE_REQUEST_TAKEN = "已登记帮办请求（编号 {id}），{centre}的帮办员会在{due}前打电话联系{name}"
SITE_TAKEN_IN = "已代收材料，受理编号 {reference}；请把材料转交{centre}，群众可凭受理编号和手机号后四位查询进度"
SITE_NONE = "您的账号还没有分到代办点，请联系中心负责人"
SITE_TAKEN_AT = "由{site}登记"
APPROVAL_REVOKE_REASON_NEEDED = "请填写撤销原因（4 至 200 字，核查发现的情况），申请人会看到这个原因"
APPROVAL_REVOKE_CONFIRM_NEEDED = "撤销审批后不能恢复，申请人会收到通知：请勾选“确认撤销”后再提交"
APPROVAL_REVOKED = "审批已撤销，原因已写入办件进度，申请人会收到通知"

# 重点项目帮办代办
PROJECT_CREATED = "重点项目已建立，请添加服务专员和节点"
PROJECT_OFFICER_ADDED = "服务专员已添加"
PROJECT_MILESTONE_ADDED = "节点已添加"
PROJECT_CASE_LINKED = "办件已关联到节点"
PROJECT_MILESTONE_DONE = "节点已标记为完成"
PROJECT_FIELD_LABELS = {"project_name": "项目名称", "credit_code": "企业统一社会信用代码", "investment_wan": "投资额（万元）",
                        "location": "项目地点", "lead_staff_id": "包保领导", "department": "所属部门",
                        "stage": "阶段", "title": "节点事项", "target_on": "目标日期", "application_id": "办件"}
FIELD_LABELS |= {k: v for k, v in PROJECT_FIELD_LABELS.items() if k not in FIELD_LABELS}
