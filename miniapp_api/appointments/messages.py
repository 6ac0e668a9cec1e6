"""What citizens read when a booking, change or check-in is refused. Reviewed in one place."""

SLOT_NOT_FOUND = "该预约时段不存在，请刷新后重新选择"
SLOT_FULL = "该时段已约满，请选择其他时段"
NOT_ENOUGH_TIME = "所选事项需要的办理时间较长，该时段之后的连续时段不足，请选择更早的时段"
OUTSIDE_HORIZON = "只能预约{days}天内的时段，请重新选择日期"
SLOT_IN_PAST = "该时段已过，请选择其他时段"
TOO_LATE_TO_BOOK = "距开始不足{minutes}分钟的时段不能预约，请选择更晚的时段"
TOO_LATE_TO_CANCEL = "距预约开始不足{minutes}分钟，已不能取消或改约；如不能前来，请致电服务中心"
QUOTA_EXCEEDED = "每人最多同时保留{limit}个有效预约，请先办理或取消已有预约"
QUOTA_FOR_OTHERS = ("每个账号最多同时为他人代预约{limit}个号，请先办理或取消已有的代预约；"
                    "经常为家人办事，可请家人完成实名核验后在“亲友代办”中授权您")
NO_BOOKING_FOR_OTHERS = "本中心不接受未经授权的代预约；经常为家人办事，可请家人完成实名核验后在“亲友代办”中授权您"
BOOKED_FOR_YOU = "{booker} 为您预约"
SOMEONE = "他人"
DUPLICATE_BOOKING = "您当天已预约过该事项，无需重复预约"
BOOKING_SUSPENDED = "因多次预约后未到场，预约功能暂停至{until}，可到窗口现场取号办理"
ITEM_NOT_AT_CENTRE = "该窗口不办理所选事项，请选择其他窗口或服务中心"
CENTRE_CLOSED = "服务中心当天不对外办公，请选择其他日期"
SLOT_CLOSED = "服务中心该时段暂停服务，请选择其他日期或时段"
CENTRE_CLOSED_NOW = "服务中心现在不在办公时间，请在办公时间内取号"
TOO_MANY_TICKETS = "您已有 {limit} 个排队号码未办理，请先办理或等号码过号后再取新号"
PROFILE_INCOMPLETE = "预约需要先完成实名核验（刷一次脸，确认是您本人）。请到“我的”里核验，核验后回来就能预约"
APPOINTMENT_NOT_FOUND = "没有找到该预约"
NOT_CANCELLABLE = "该预约当前状态为“{status}”，不能取消或改约"
TOO_EARLY_TO_CHECK_IN = "签到时间为预约开始前{minutes}分钟起，请稍后再签到"
CHECK_IN_CLOSED = "已超过签到时间，请到窗口现场取号办理"
NOT_CHECKABLE = "该预约当前状态为“{status}”，不能签到"
ITEM_CODES_REQUIRED = "请至少选择一个办事事项"
UNKNOWN_ITEM = "没有找到事项：{codes}"
TICKET_NOT_FOUND = "没有找到该排队号"
WINDOW_NOT_FOUND = "没有找到该窗口"
TICKET_STATE = "排队号当前状态为“{status}”，不能进行此操作"
NOT_CALLED_ENOUGH = "叫号满3次仍未到场才能过号，目前已叫{count}次"

STATUS_NAMES = {
    "booked": "已预约", "checked_in": "已签到", "serving": "办理中", "served": "已办结",
    "cancelled": "已取消", "no_show": "未到场",
    "waiting": "等候中", "called": "已叫号", "missed": "已过号",
}
RELATIONS = ("父母", "子女", "配偶", "亲属", "员工", "朋友", "其他")

CANCELLED_BY_CITIZEN = "本人取消"
CANCELLED_BY_NAMED_PERSON = "被预约人本人取消"
CANCELLED_BY_RESCHEDULE = "改约"
CANCELLED_BY_CLOSURE = "暂停服务：{reason}"

# 暂停服务 (closures), as the manager reads them
CLOSURE_PAST_DAY = "不能为已经过去的日期暂停服务"
CLOSURE_HOURS_BOTH = "按时段暂停时，开始和结束时间都要填写；全天暂停请都不填"
CLOSURE_HOURS_ORDER = "结束时间须晚于开始时间"
CLOSURE_UNKNOWN_WINDOW = "所选窗口不属于本中心"
CLOSURE_NOT_FOUND = "没有找到该暂停服务安排，或已恢复服务"
SUSPENDED_FOR_NO_SHOWS = "{days}天内预约未到场{count}次"
LIFT_REASON_REQUIRED = "请填写解除原因"
FIELD_REQUIRED = "此项必填"
ONE_PERSON_ONLY = "请选择为亲友预约，或填写被预约人信息，二者只能选一"
PRESENCE_REQUIRED = "请在服务大厅扫描叫号屏上的二维码签到取号"
PRESENCE_REQUIRED_NEAR = "请在服务大厅扫描叫号屏上的二维码，或在大厅附近打开定位后再签到取号"

# The waitlist (候补)
SEATS_AVAILABLE = "所选日期和时段还有可预约的号源，请直接预约"
ALREADY_WAITING = "您已在该事项的候补队列中，可在“我的候补”查看"
TOO_MANY_WAITLISTS = "每人最多同时候补{limit}个事项，请先取消不需要的候补"
WAITLIST_DATES = "候补日期须在今天起{days}天内，且开始日期不晚于结束日期"
WAITLIST_TIMES = "候补的开始时间须早于结束时间"
WAITLIST_TOO_LONG = "该事项办理时间较长，暂不支持候补，请选择其他日期预约或到窗口现场取号"
WAITLIST_NOT_FOUND = "没有找到该候补"
WAITLIST_NOT_CANCELLABLE = "该候补当前状态为“{status}”，不能取消"
OFFER_NOT_FOUND = "没有找到该候补号源"
OFFER_EXPIRED = "候补号源的保留时间已过，号源已顺延给下一位候补的群众"
OFFER_GONE = "该候补号源{status}，不能再操作"
WAITLIST_STATUS_NAMES = {"waiting": "候补中", "offered": "候补成功，待确认", "booked": "已预约", "cancelled": "已取消",
                         "lapsed": "未确认，已失效", "expired": "已过期"}
OFFER_STATUS_NAMES = {"held": "保留中", "confirmed": "已确认", "declined": "已放弃", "expired": "已过期",
                      "withdrawn": "已随候补取消"}
