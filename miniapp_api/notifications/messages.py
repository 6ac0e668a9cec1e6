"""Message texts citizens read, in one place for review."""

TITLES = {
    "appointment_booked": "预约成功",
    "appointment_cancelled": "预约已取消",
    "appointment_rescheduled": "预约已改约",
    "appointment_reminder_day": "明天有预约",
    "appointment_reminder_hour": "预约即将开始",
    "queue_near": "快到您了",
    "queue_called": "请到窗口办理",
    "waitlist_offer": "候补成功",
    "waitlist_lapsed": "候补已失效",
    "appointment_closed": "暂停服务，预约已取消",
}
STATUS_PHRASES = {"appointment_booked": "预约成功", "appointment_cancelled": "已取消",
                  "appointment_rescheduled": "已改约", "appointment_closed": "暂停已取消"}
REMINDER_TIP = "请带齐材料提前到场签到"

BOOKED_BODY = "您已预约 {starts} 在{centre}（{window}）办理：{items}。{bring}到达后请在小程序签到取号。"
CANCELLED_BODY = "您 {starts} 在{centre}的预约（{items}）已取消。{reason}"
RESCHEDULED_BODY = "您的预约已改到 {starts}，地点{centre}（{window}），办理：{items}。原时段已释放。"
REMINDER_DAY_BODY = "明天 {time} 请到{centre}（{window}）办理：{items}。{address}{bring}到达后请在小程序签到取号。"
REMINDER_HOUR_BODY = "您预约的 {time} 即将开始，请到{centre}（{window}）签到取号，办理：{items}。{bring}"
BRING = "请携带：{materials}。"
# Only the key materials fit in a message: when the guide lists more, it says so, lest anyone come without them.
BRING_MORE = "请携带：{materials}，以及办事指南里列出的其他材料。"
BRING_GUIDE = "请按办事指南携带材料。"   # an item whose materials are listed but none marked key
ADDRESS = "地址：{address}。"

CONSENT_RESULT_INVALID = "订阅结果只能是 accept、reject、ban 或 filter"
UNKNOWN_TEMPLATE = "不是本小程序使用的消息模板：{template_id}"
MESSAGE_NOT_FOUND = "没有找到该消息"

CANCEL_REASON = "原因：{reason}。"
# The copy of an appointment's message that reaches the person it was booked for (by a relative, or by name).
FOR_YOU_PREFIX = "【他人为您（{name}）代办的预约，详情和取消请看“我的预约”】"
PUSH_STATUS_NAMES = {"pending": "待推送", "sending": "推送中", "sent": "已推送到微信", "failed": "推送失败",
                     "unknown": "推送结果未知", "skipped": "只在小程序“消息”里，没有发到微信", "cancelled": "已撤回"}
# Every message kind's name (notifications/kinds.py declares the kinds; the console and the SMS choices read these).
KIND_NAMES = {
    "appointment_booked": "预约成功", "appointment_cancelled": "预约已取消", "appointment_rescheduled": "预约已改约",
    "appointment_closed": "暂停服务通知", "appointment_reminder_day": "预约前一天提醒",
    "appointment_reminder_hour": "预约前一小时提醒", "queue_near": "快到您了", "queue_called": "叫号通知",
    "waitlist_offer": "候补成功通知", "waitlist_lapsed": "候补结束通知", "application_status": "办件进度通知",
    "application_correction": "办件需要补正材料", "application_ready": "办好待领取",
    "application_mailed": "办好已邮寄（含运单号）", "application_completed": "办件已办结",
    "rating_invitation": "办结后邀请评价（一次一评）", "branch_filing_completed": "分支机构批量变更办结（含每个分支机构的结果）",
    "application_materials_due": "补交材料期限提醒", "licence_expiry": "证照到期提醒", "certificate_status": "电子证照通知",
    "feedback_status": "诉求办理进度", "rating_followup": "评价整改回访", "survey_invitation": "服务回访邀请",
    "account_security": "账号安全提醒", "policy_match": "新匹配到可享受的政策", "policy_reminder": "政策待确认提醒",
    "policy_withdrawn": "政策匹配撤回", "policy_new": "新政策发布", "policy_grant": "政策兑现进度",
    "assistance_assigned": "帮办员分派通知", "assistance_grant": "代办授权确认", "assistance_closed": "帮办办结通知",
}
UNKNOWN_SMS_KIND = "不是可以用短信提醒的消息类型：{kind}"
SENT_BY_SMS = "已发送短信"
# What each WeChat template is for, as the consent page (订阅通知) says it: every template group has its words
# (a city's file with a group of its own reads OTHER_PURPOSE until added here).
OTHER_PURPOSE = "其他通知"
CONSENT_PURPOSES = {"appointment_status": "预约结果通知", "appointment_reminder": "预约提醒", "queue_call": "叫号提醒",
                    "waitlist_result": "候补结果通知", "policy_notice": "政策提醒", "policy_grant": "政策兑现进度",
                    "application_progress": "办件进度", "application_materials": "补交材料提醒",
                    "licence_expiry": "证照到期和电子证照", "feedback_progress": "诉求和整改进度",
                    "survey_invite": "服务回访邀请", "account_security": "账号安全提醒"}
QUEUE_NEAR_BODY = "您的号码{number}前面还有{ahead}人，请到{centre}{window}附近等候，留意叫号。"
QUEUE_NEAR_TIP = "前面还有{ahead}人"
QUEUE_NEXT_BODY = "您的号码{number}是下一个，请到{centre}{window}附近等候，留意叫号。"   # nobody ahead: not 前面还有0人
QUEUE_NEXT_TIP = "下一个就是您"
QUEUE_CALLED_BODY = "请{number}号到{centre}{window}办理。"
QUEUE_CALLED_TIP = "已叫到您的号，请到窗口办理"
WAITLIST_OFFER_BODY = ("候补成功：{starts} 在{centre}（{window}）的号源（{items}）已为您保留，请在 {expires} 前确认预约，"
                       "逾时将顺延给下一位。")
WAITLIST_OFFER_TIP = "请在{expires}前确认"
WAITLIST_LAPSED_BODY = "为您保留的 {starts} 号源（{items}）未在 {expires} 前确认，已顺延给下一位。如仍需办理，可重新预约或候补。"
WAITLIST_LAPSED_TIP = "未确认，候补已失效"

# 暂停服务: a centre (or some windows) closed for a day or some hours; the bookings and waitlists it met end.
CLOSED_BODY = ("因{reason}，{centre}在{when}暂停服务。您 {starts} 的预约（{items}）已取消，不算爽约，也不占预约名额。"
               "{alternative}")
CLOSED_ALTERNATIVE = "最早可改约：{centre}，{starts}。点开本消息即可预约。"
CLOSED_NO_ALTERNATIVE = "近期暂无可约号源，请稍后在“预约”中另选日期。"
CLOSED_TIP = "暂停服务，点开可改约"
WAITLIST_CLOSED_BODY = "因{reason}，{centre}在{when}暂停服务，您在该中心 {dates} 的候补（{items}）已结束。如仍需办理，请另选日期预约。"
WAITLIST_CLOSED_TIP = "暂停服务，候补已结束"
WAITLIST_WITHDRAWN_BODY = ("因{reason}暂停服务，为您保留的 {starts} 号源（{items}）已取消。您仍在候补队列中，"
                           "有新的号源时会再通知您。")
WAITLIST_WITHDRAWN_TITLE = "候补号源因暂停服务取消"
WAITLIST_WITHDRAWN_TIP = "暂停服务，仍在候补"
