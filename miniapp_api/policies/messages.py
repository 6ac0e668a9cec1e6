"""What citizens and staff read about policies (政策快享 / 免申即享). Reviewed in one place."""

MODE_NAMES = {"exempt": "免申即享", "fast": "快申快享", "info": "政策告知"}
SUBJECT_NAMES = {"person": "个人", "business": "企业和个体工商户"}
MATCH_STATUS_NAMES = {"matched": "待确认", "confirmed": "已确认", "declined": "已放弃", "withdrawn": "已撤回",
                      "expired": "已过期"}
GRANT_STATUS_NAMES = {"reviewing": "审核中", "approved": "审核通过，待拨付", "paid": "已拨付到账",
                      "rejected": "未通过审核"}
GRANT_STEPS = ("数据比对", "意愿确认", "审核", "拨付到账")
FAST_STEPS = ("数据比对", "在线申请", "审核", "拨付到账")
ITEM_STATUS_NAMES = {"draft": "草稿", "published": "已发布", "retired": "已停止"}

# Facts: labels, units and choice names.
FACT_LABELS = {
    "age": "年龄", "hukou_region": "户籍所在地", "disability_level": "残疾等级", "licences": "持有证照",
    "received_this_year": "今年已领取同类政策", "registered_months": "成立时间", "industry_code": "行业",
    "size_class": "企业规模", "kind": "市场主体类型", "region": "注册所在地", "employees": "从业人数",
}
UNITS = {"age": "岁", "registered_months": "个月", "employees": "人", "disability_level": "级"}
SIZE_NAMES = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}
KIND_NAMES = {"enterprise": "企业", "individual": "个体工商户"}
REGION_NAMES = {"37": "山东省", "3715": "聊城市", "371502": "东昌府区", "371521": "阳谷县", "371522": "莘县",
                "371524": "东阿县", "371525": "冠县", "371526": "高唐县", "371581": "临清市", "3701": "济南市",
                "370102": "历下区", "3702": "青岛市", "3706": "烟台市"}

# Per-condition explanations.
REQ_AT_LEAST = "{label}不低于{value}{unit}"
REQ_AT_MOST = "{label}不超过{value}{unit}"
REQ_EQUALS = "{label}为{value}{unit}"
REQ_IN = "{label}属于：{values}"
REQ_NOT_IN = "{label}不属于：{values}"
REQ_HAS = "持有有效的“{value}”"
REQ_LACKS = "未持有“{value}”"
REQ_TRUE = "{label}"
REQ_FALSE = "今年未领取过同类政策"
REQ_REGISTERED = "成立满{value}个月"
HAVE = "您的{label}为{actual}{unit}"
HAVE_REGISTERED = "成立于{year}年{month}月（已成立{actual}个月）"
HAVE_NONE = "没有您的{label}信息"
HAVE_NO_DISABILITY = "没有残疾人证信息"
GAP = "，还差{gap}{unit}"
OVER = "，超出{gap}{unit}"
PASSED = "符合：{requirement}（{have}）"
PASSED_PLAIN = "符合：{requirement}"
HAVE_RECEIVED = "您今年已领取过同类政策"
HAVE_NOT_RECEIVED = "您今年未领取过同类政策"
FAILED = "不符合：本政策要求{requirement}，{have}{gap}"
HAS_LICENCE = "持有“{value}”"
NO_LICENCE = "未持有有效的“{value}”"
RECEIVED = "今年已领取过同类政策"
NOT_RECEIVED = "今年未领取过同类政策"
SUBJECT_BUSINESS = "您的企业"
ELIGIBLE = "符合条件"
INELIGIBLE = "暂不符合条件"

# Rule and case validation (by field path).
RULE_NOT_OBJECT = "规则应为一个对象，包含 subject 和 all"
RULE_SUBJECT = "适用对象只能是 person（个人）或 business（企业）"
RULE_SUBJECT_MISMATCH = "规则的适用对象与政策事项不一致"
RULE_ALL = "all 应为条件列表，至少一条、最多20条"
RULE_ANY = "any 应为条件列表，至少两条，且不能再嵌套 any"
RULE_CONDITION = "每个条件应为 {\"fact\", \"op\", \"value\"}，或一个 {\"any\": [...]} 组"
UNKNOWN_FACT = "未知的条件项“{fact}”，{subject}可用的条件项：{known}"
BAD_OP = "“{label}”不能用运算符“{op}”，可用：{ops}"
BAD_NUMBER = "“{label}”的取值应为数字"
BAD_CODES = "“{label}”的取值应为代码列表，如 [\"3715\"] 或 [\"I65\", \"H62\"]"
BAD_CHOICES = "“{label}”的取值只能是：{choices}"
BAD_TEXT = "“{label}”的取值应为证照名称"
BAD_BOOL = "“{label}”的取值应为 true 或 false"
CASES_NOT_LIST = "测试用例应为列表"
CASE_SHAPE = "每个测试用例应包含 name、facts 和 eligible（是否符合），可选 failed（不符合的条件项）"
CASE_FACT = "测试用例里未知的条件项“{fact}”"
CASE_FACT_VALUE = "测试用例里“{label}”的取值不正确"
CASES_EMPTY = "发布前至少要有一个符合和一个不符合的测试用例"
CASE_FAILED = "测试用例“{name}”未通过：期望{expected}，实际{actual}"
CASES_FAILING = "有 {count} 个测试用例未通过，不能发布"
RULE_YAML = "不是有效的 YAML：{error}"

# Policy and match operations.
ITEM_NOT_FOUND = "没有找到该政策事项"
DOCUMENT_NOT_FOUND = "没有找到该政策文件"
MATCH_NOT_FOUND = "没有找到该政策匹配记录"
GRANT_NOT_FOUND = "没有找到该兑现办件"
NO_RULE = "请先保存适用条件（规则）再发布"
ALREADY_PUBLISHED = "这个版本已经发布"
ITEM_RETIRED = "该政策事项已停止，不能再发布"
CODE_TAKEN = "政策事项编码“{code}”已存在"
VALID_PERIOD = "有效期的开始日期不能晚于结束日期"
MATCH_ANSWERED = "该政策您已{status}"
WRONG_MODE = "该政策为“{mode}”，请按对应方式办理"
PHONE_REQUIRED = "请填写联系电话"
FORM_APPLICANT = "申请人"
FORM_ID_NUMBER = "身份证号"
FORM_BUSINESS = "企业名称"
FORM_CREDIT_CODE = "统一社会信用代码"
FORM_INDUSTRY = "行业代码"
FORM_REGISTERED = "成立日期"
FORM_EMPLOYEES = "从业人数"
ACCOUNT_NUMBER = "银行账号应为 8–30 位数字"
FIELD_REQUIRED = "此项必填"
PAYOUT_REQUIRED = "请填写收款账户：户名、开户银行和银行账号"
PAYOUT_OWN_NAME = "补贴只能发放到您本人名下的账户，户名须与实名核验的姓名一致"
BUSINESS_PAYOUT_MISSING = ("该企业还没有登记收款账户（对公账户）：请法定代表人在“我的企业”中登记，"
                           "或携营业执照到政务服务中心窗口登记后再确认")
BUSINESS_PAYOUT_ONLY = "企业补贴只发放到企业登记的收款账户（尾号{last4}），不能另填账户；如需变更请法定代表人在“我的企业”中修改"
GRANT_STATE = "该办件当前为“{status}”，不能这样操作"
REASON_REQUIRED = "不通过时请写明原因"
SUBSCRIPTION_CATEGORY = "不是已有的政策类别：{category}"
CHECK_SUBJECT = "请填写身份证号（个人政策）或统一社会信用代码（企业政策）"
SUBJECT_NOT_FOUND = "没有找到该个人或企业的数据"

# Person-facts import (部门共享数据).
FACT_COLUMNS_MISSING = "缺少列：{columns}"
FACT_ROW_ID = "身份证号不正确"
FACT_ROW_REGION = "户籍区划应为 6 位行政区划代码"
FACT_ROW_DISABILITY = "残疾等级只能是 1–4 或留空"
FACT_ROW_DUPLICATE = "与第{line}行的身份证号重复"
FACT_CSV_INVALID = "有 {count} 行有误，全部未导入，请按行修改后重新上传"
FACT_CSV_EMPTY = "文件里没有数据行"
FACT_ROW_REQUIRED = "“{column}”不能为空"
FACT_ROW_TOO_LONG = "“{column}”太长"
CSV_BROKEN = "文件不是有效的 CSV，请用表格软件另存为 CSV（UTF-8）后再上传"

# Messages to citizens.
MATCH_TITLE = "政策提醒"
MATCH_BODY = {
    "exempt": "经数据比对，{subject}符合“{title}”：{benefit}。无需申请、无需材料，请在小程序确认意愿和收款账户。",
    "fast": "经数据比对，{subject}符合“{title}”：{benefit}。可在小程序在线申请，信息已为您预填。",
    "info": "经数据比对，{subject}符合“{title}”：{benefit}。详情请在小程序“政策快享”查看。",
}
MATCH_TIP = {"exempt": "免申即享，请确认意愿", "fast": "可在线快速申请", "info": "点击查看政策详情"}
REMINDER_TITLE = "政策待确认"
REMINDER_BODY = "{subject}符合“{title}”，还没有确认。该政策有效期至{until}，过期后将无法享受。"
WITHDRAWN_TITLE = "政策匹配已撤回"
WITHDRAWN_BODY = "{subject}的信息有变化，经重新比对已不符合“{title}”的条件：{reason}。如有疑问请联系{department}。"
NEW_POLICY_TITLE = "新政策发布"
NEW_POLICY_BODY = "您订阅的“{category}”类发布了新政策“{title}”：{benefit}。"
GRANT_TITLE = "政策兑现进度"
GRANT_BODY = {
    "reviewing": "您已确认享受（或提交申请）“{title}”，办件号{reference}，正在审核。",
    "approved": "“{title}”（办件号{reference}）已审核通过，正在拨付。",
    "paid": "“{title}”（办件号{reference}）已拨付到账，尾号{last4}的账户请注意查收。",
    "rejected": "“{title}”（办件号{reference}）未通过审核：{reason}。如有疑问请联系{department}。",
}
SUBJECT_YOU = "您"
SUBJECT_FIRM = "您的企业“{name}”"
ONE_OF = "以下之一：{conditions}"
