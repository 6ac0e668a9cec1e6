"""What citizens and staff read about feedback (诉求). Reviewed in one place."""

FEEDBACK_NOT_FOUND = "没有找到该诉求"
CONTENT_RISKY = "内容未通过安全检测，请修改后再提交（请勿包含违法违规、广告或辱骂内容）"
LINK_NOT_FOUND = "关联的{what}不存在或不属于您"
ILLEGAL_STEP = "诉求当前状态为“{status}”，不能进行此操作"
ANSWER_REQUIRED = "请填写答复内容"
ASSIGNEE_NOT_HANDLER = "该工作人员不在本中心，不能指派"
TRIAGE_ONLY_ADMIN = "待分派的诉求由管理员分派到服务中心"

KIND_NAMES = {"complaint": "投诉", "suggestion": "建议", "consultation": "咨询", "praise": "表扬", "report": "举报"}
STATUS_NAMES = {"submitted": "已提交", "assigned": "已接单", "in_progress": "办理中", "answered": "已答复",
                "reopened": "重新办理", "closed": "已办结"}
# Plain words (miniprogram/utils/glossary.js): not 居民点单 / 干部接单 / 群众评单.
EVENT_NAMES = {"filed": "您提交了诉求", "routed": "已分派", "assigned": "工作人员已接手", "started": "开始办理",
               "answered": "已答复", "rated": "您评价了办理结果", "reopened": "不满意，重新办理", "reminded": "催办",
               "escalated": "督办", "closed": "已办结", "note": "备注", "content_checked": "内容审核",
               "manual_review": "转人工审核"}
# The same steps as staff read them (the one who filed is 群众, not 您).
STAFF_EVENT_NAMES = {**EVENT_NAMES, "filed": "群众提交诉求", "assigned": "已接手", "rated": "群众评价了办理结果"}

TITLE = "诉求办理进度"
BODY_FILED = "您的{kind}（编号 {id}）已收到，我们将在{due}前答复。"
BODY_ANSWERED = "您的{kind}（编号 {id}）已答复：{answer} 请在小程序里评价本次办理。"
BODY_REOPENED = "您对答复不满意，诉求（编号 {id}）已退回原办理人员重新办理，将在{due}前再次答复。"
ESCALATED_PUBLIC = "已超过办理时限，已提交督办"
STAFF_REMIND = "诉求（编号 {id}，{kind}）已过办理时限的一半，请于{due}前答复。"
STAFF_ESCALATE = "诉求（编号 {id}，{kind}）已超过办理时限（{due}），请督办。"
STAFF_ESCALATE_UP = "诉求（编号 {id}，{kind}）督办后仍未答复，已上报上级中心。"

TIP_PROGRESS = "点击查看办理进度"
LINK_CENTRE, LINK_ITEM, LINK_WINDOW, LINK_APPOINTMENT, LINK_APPLICATION = "服务中心", "事项", "窗口", "预约", "办件"
ASSIGNED_TO = "指派给{name}"
HALF_TIME_REMINDED = "已过办理时限一半，已催办"
ESCALATED_TO_PARENT = "督办后仍未答复，已上报上级中心"
FILED_ANONYMOUSLY = "匿名"
WECHAT_USER = "微信用户"
MANUAL_REVIEW_NOTE = "微信内容安全检查一直未能完成，请人工审核内容后再办理"
