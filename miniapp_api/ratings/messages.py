"""What citizens and staff read about ratings (好差评) and rectification (整改)."""

TARGET_NOT_FOUND = "没有找到可以评价的服务"
NOT_YET_RATABLE = "服务完成后才能评价"
RATING_CLOSED = "已超过评价期限（办结后{days}天内可评价）"
ALREADY_RATED = "您已评价过这项服务，感谢您的反馈"
RATE_THE_BUNDLE = "该事项属于“一件事”，请在一件事办结后对整件事评价"
REASON_REQUIRED = "请说明不满意的原因，我们会转交原办理人员重新处理"
RECTIFICATION_NOT_FOUND = "没有找到该整改记录"
RECTIFICATION_STATE = "整改当前状态为“{status}”，不能进行此操作"
INVALIDATION_ONLY_BAD = "只有差评可以申请认定为无效评价"
INVALIDATION_SAME_PERSON = "申请人不能审核自己的申请，请由另一位负责人审核"
INVALIDATION_NOT_REQUESTED = "该评价没有待审核的无效认定申请"
RATING_NOT_FOUND = "没有找到该评价"

STATUS_NAMES = {"open": "整改中", "fixed": "已整改，待回访", "revisited": "已回访办结", "invalid": "认定无效"}
EVENT_NAMES = {"opened": "收到差评", "verified": "回访核实", "fixed": "整改完成", "revisited": "回访",
               "reopened": "群众仍不满意，重新整改",
               "escalated": "超期督办", "invalid": "经申诉认定无效"}
TITLE_RECEIVED = "评价反馈"
BODY_BAD_RECEIVED = "您对“{what}”的评价（{level}）已收到。我们将在{verify_days}个工作日内与您联系核实，{fix_days}个工作日内整改并回访。"
TITLE_FIXED = "整改结果回访"
BODY_FIXED = "您反映的问题（{what}）已处理：{reply}。请在小程序里告诉我们是否满意。"
STAFF_NEW_BAD = "收到差评（{level}）：{what}。请于{verify_due}前回访核实，{fix_due}前完成整改。"
STAFF_OVERDUE = "差评整改已超期（应于{fix_due}前完成）：{what}，请督办。"
STAFF_REOPENED = "差评回访仍不满意，已重新整改并升级督办：{what}"

LEVEL_NAMES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
PUSH_KIND = "差评整改"
PUSH_STATUS_OPEN, PUSH_TIP_OPEN = "整改中", "我们会尽快联系您核实"
PUSH_STATUS_FIXED, PUSH_TIP_FIXED = "已整改", "请告诉我们是否满意"
OVERDUE_EVENT = "超过整改期限{due}"
VISIT_TITLE = "预约办事"
FEEDBACK_ANSWER_TITLE = "诉求（编号 {id}）的答复"
NOT_LINKED = "未关联"

PUBLIC_PERIOD = "近{days}天（{since}至{until}）"
PUBLIC_TOO_FEW = "评价少于{count}条，暂不公布"
PUBLIC_NO_BAD = "这段时间没有差评"
PUBLIC_RATE = "{percent}%"
PUBLIC_DEFINITION = "好评率＝“非常满意”“满意”“基本满意”占有效评价的比例；差评整改率＝已整改的差评占差评的比例"
