"""What citizens read about 我的数据 and 查询记录. Reviewed in one place."""

from miniapp_api.staff.models import Role

STATE_NAMES = {"queued": "排队中", "building": "生成中", "done": "已完成", "expired": "已过期",
               "cancelled": "已取消", "failed": "生成失败，请重新申请"}
ALREADY_PENDING = "您已有一份数据正在生成，请等它完成后再申请。"
EXPORT_NOT_FOUND = "没有找到这份数据导出。"
EXPORT_EXPIRED = "下载链接已过期，文件已删除。如需要，请重新申请导出。"
FORMAT_NAMES = {"json": "数据文件（JSON）", "pdf": "阅读版（PDF）"}

# Who looked at the citizen's records (查询记录).
ROLE_NAMES = {Role.ADMIN: "系统管理员", Role.CENTRE_MANAGER: "中心负责人", Role.WINDOW_STAFF: "窗口工作人员",
              Role.FEEDBACK_HANDLER: "诉求办理人员", Role.SUPERVISOR: "督办人员"}
VIEW_NAMES = {"view_application": "查看了您的办件", "filing.view": "查看了您网上申报的办件",
              "view_feedback": "查看了您的诉求", "file.view": "查看了您上传的文件",
              "audit_log.search_person": "在操作日志中查询了您的记录"}
UNKNOWN_CENTRE = "（未注明中心）"
UNKNOWN_STAFF = "工作人员"

# The readable copy (PDF).
PDF_TITLE = "个人信息副本（我的数据）"
PDF_INTRO = ("根据《中华人民共和国个人信息保护法》第四十五条，这是您在办事通中的个人信息副本，"
             "生成于 {at}（北京时间）。完整数据见同时生成的 JSON 文件。请妥善保管，不要转发给他人。")
PDF_MORE = "……另有 {more} 条较早的记录，见 JSON 文件。"
PDF_NONE = "无"
SECTION_TITLES = {"profile": "基本信息", "bookings": "预约", "applications": "办件", "feedback": "诉求",
                  "assistance": "帮办代办",
                  "ratings": "评价", "messages": "消息", "relatives": "亲友代办授权", "businesses": "关联的企业",
                  "certificates": "电子证照"}
PROFILE_LABELS = {"real_name": "姓名", "id_number": "身份证号", "phone": "手机号", "verified_at": "实名核验时间",
                  "phone_verified_at": "手机号验证时间", "registered_at": "注册时间", "last_login_at": "最近登录"}
# One row of each section in the PDF.
PDF_LINES = {"bookings": "{when} {centre} {items}（{person_name}）{status_name}",
             "applications": "{reference} {item} {centre} {status_name}",
             "feedback": "{day} {kind_name}：{text}（{status_name}）{answer_part}",
             "assistance": "{day} {centre} {about}（{status_name}）{close_part}",
             "ratings": "{day} {centre} {level_name} {comment}",
             "messages": "{when} {title}：{body}",
             "relatives": "{side_name} {other_person}（{relation}）{scopes} {status_name}",
             "businesses": "{business} {credit_code} {role_name}",
             "certificates": "{type_name} {identifier} {issued_on} 至 {expires_on} {status_name}"}
PDF_PROFILE_LINE = "{label}：{value}"
PDF_ANSWER = " 答复：{answer}"
PDF_CLOSE_NOTE = " 办结说明：{note}"
PDF_PAGE = "第 {number} 页"
RELATIVE_SIDES = {"i_act_for": "我代办", "acts_for_me": "代我办"}
