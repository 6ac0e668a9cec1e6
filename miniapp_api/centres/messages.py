"""What citizens read about centres, items and the calendar."""

ITEM_NOT_FOUND = "没有找到该办事事项"
CENTRE_NOT_FOUND = "没有找到该服务中心"
WINDOW_KIND_NAMES = {"general": "综合受理窗口", "express": "高频快办窗口", "complaints": "吐槽找茬窗口", "proxy": "帮代办窗口"}
LEVEL_NAMES = {"city": "市级", "district": "区县级", "street": "镇街级", "community": "社区级"}
AUDIENCE_NAMES = {"citizen": "个人", "business": "法人"}
WEEKDAY_NAMES = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
PERIOD_ORDER = "结束时间须晚于开始时间"
PERIOD_OVERLAP = "与{weekday}已有的办公时段 {opens}–{closes} 重叠"
PERIOD_NOT_FOUND = "没有找到该办公时段"
WINDOW_NOT_FOUND = "没有找到该窗口"
WINDOW_NAME_TAKEN = "本中心已有同名窗口"
UNKNOWN_ITEMS = "没有找到事项：{codes}"

CALENDAR_NO_DATA = "节假日数据缺少 {year} 年，{day} 暂按周一至周五上班计算，请管理员补充调休安排"

# 暂停服务: when a closure stands, as citizens and staff read it.
CLOSED_WHOLE_DAY = "{day}"
CLOSED_HOURS = "{day} {from_time}–{to_time}"
CLOSED_WINDOWS = "（{windows}）"
CLOSURE_NOTICE = "{when}暂停服务：{reason}"
