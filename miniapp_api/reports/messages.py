"""What staff read in the reports (报表): titles, sheet names, column headers, summary labels, refusals."""

KIND_NAMES = {"appointments": "预约", "applications": "办件", "feedback": "诉求", "ratings": "好差评",
              "rectifications": "差评整改", "surveys": "回访"}
SUMMARY_SHEET = "汇总"
DETAIL_SHEET = "{kind}明细"
TITLE = "{kind}报表"

LABEL_REPORT = "报表"
LABEL_CENTRES = "服务中心"
LABEL_PERIOD = "时段"
LABEL_ITEM = "事项"
LABEL_MADE_AT = "生成时间（北京时间）"
LABEL_MADE_BY = "生成人"
LABEL_ROWS = "明细条数"
LABEL_FIGURE, LABEL_VALUE = "指标", "数值"
ALL_ITEMS = "全部事项"
PERIOD = "{since} 至 {until}"
BY_STATUS = "{status}（条）"
NO_RATE = "—"

TOTAL_RATINGS, GOOD, BAD, RECTIFIED = "评价总数", "好评数", "差评数", "已整改差评数"
GOOD_RATE, RECTIFIED_RATE, AVERAGE_LEVEL = "好评率", "差评整改率", "平均等级"
ASKED, ANSWERED, RESPONSE_RATE = "已发出回访", "已答复回访", "回访率"
DEFINITIONS = {
    GOOD_RATE: "好评率 = （非常满意＋满意＋基本满意）÷ 有效评价数（与“统计”页同一口径）",
    RECTIFIED_RATE: "差评整改率 = 已整改（含已回访）差评 ÷ 差评数（与“统计”页同一口径）",
    RESPONSE_RATE: "回访率 = 已答复 ÷ 已发出的回访邀请（与“回访结果”页同一口径）",
}
LABEL_DEFINITION = "口径"
PER_CENTRE, CENTRE_NAME = "分中心", "中心名称"

HEADERS = {
    "appointments": ["预约号", "服务中心", "窗口", "事项", "办事人", "办理日期", "预约时段开始", "状态", "签到时间",
                     "预约提交时间"],
    "applications": ["受理编号", "服务中心", "事项", "申请人类型", "申请人", "证件号码", "联系电话", "状态", "受理日期",
                     "承诺办结日期", "办结时间", "申请时间"],
    "feedback": ["编号", "类型", "服务中心", "事项", "状态", "提交时间", "办理时限（工作日）", "应答复日期", "答复时间",
                 "按时答复", "重新办理次数"],
    "ratings": ["编号", "评价对象", "服务中心", "窗口", "事项", "评价等级", "是否差评", "有效性", "评价时间"],
    "rectifications": ["编号", "来源", "服务中心", "事项", "差评日期", "状态", "核实期限", "整改期限", "核实时间",
                       "整改时间", "整改类别", "回访次数"],
    "surveys": ["编号", "类型", "服务中心", "事项", "状态", "发出时间", "答复时间", "最低评分", "问题解决了吗"],
}
APPLICANT_TYPES = {"person": "个人", "business": "企业"}
TARGET_NAMES = {"appointment": "预约", "application": "办件", "feedback": "诉求", "bundle": "一件事", "assistance": "帮办代办"}
VALIDITY_NAMES = {"valid": "有效", "invalidation_requested": "申诉审核中", "invalid": "认定无效（不计入统计）"}
SOURCE_NAMES = {"rating": "差评", "survey_answer": "回访答复"}
SURVEY_KIND_NAMES = {"event": "办结回访", "monthly": "月度调查", "audit": "季度抽查", "revisit": "整改回访"}
SURVEY_STATUS_NAMES = {"sent": "已发出", "reminded": "已提醒", "answered": "已答复", "expired": "已过期"}
YES, NO, NOT_YET = "是", "否", "未答复"
NOT_LINKED = "（未关联）"

# Refusals on the 报表 page.
KIND_REQUIRED = "请选择报表类型"
CENTRE_UNKNOWN = "请从列表中选择服务中心"
ITEM_UNKNOWN = "请从列表中选择事项"
DATE_REQUIRED = "请填写日期（年-月-日）"
PERIOD_REVERSED = "结束日期不能早于开始日期"
PERIOD_TOO_LONG = "时段最长一年（366天），请分段导出"
PERIOD_IN_FUTURE = "结束日期不能晚于今天"
REPORT_NOT_FOUND = "没有找到这份报表"
LINK_EXPIRED = "下载链接已过期（生成后24小时内有效），请重新导出"
STORAGE_UNAVAILABLE = "报表文件暂时无法读取，请稍后再试"
