"""What citizens and staff read about businesses (市场主体). Reviewed in one place."""

KIND_NAMES = {"enterprise": "企业", "individual": "个体工商户"}
SIZE_NAMES = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}
ROLE_NAMES = {"representative": "法定代表人", "agent": "经办人"}
SOURCE_NAMES = {"registry": "登记信息比对", "counter": "窗口核验"}

BUSINESS_NOT_FOUND = "没有找到该市场主体，或您不是它的法定代表人或经办人"
CITIZEN_NOT_VERIFIED = "没有找到该身份证号对应的实名核验用户：请本人先在小程序完成人脸核身"
NAME_MISMATCH = "姓名与实名核验信息不一致"
ALREADY_LINKED = "该用户已是这个市场主体的{role}"
NOT_REPRESENTATIVE = "只有企业的法定代表人可以办理此项；经办人请联系法定代表人"
LINK_NOT_FOUND = "没有找到该经办人授权，可能已经结束"
END_REASON_REQUIRED = "请填写结束授权的原因，如“已离职”"
PAYOUT_NAME = "收款账户的户名须为企业名称“{name}”"
AGENT_ENDED_TITLE = "企业经办授权已结束"
AGENT_ENDED_BODY = "您作为“{name}”经办人的授权已结束（{reason}），此后不能再以该企业名义查看或办理事项。"
ENDED_BY_NAMES = {"representative": "法定代表人", "staff": "窗口工作人员", "registry": "登记信息变更", "account": "账号注销"}

CSV_HEADER = "缺少列：{columns}"
CSV_BROKEN = "文件不是有效的 CSV，请用表格软件另存为 CSV（UTF-8）后再上传"
CSV_INVALID = "有 {count} 行有误，全部未导入，请按行修改后重新上传"
CSV_EMPTY = "文件里没有数据行"
ROW_REQUIRED = "“{column}”不能为空"
ROW_TOO_LONG = "“{column}”太长"
ROW_CREDIT_CODE = "统一社会信用代码不正确（18位，末位校验码不符）"
ROW_KIND = "“类型”只能是企业或个体工商户"
ROW_SIZE = "“规模”只能是大型、中型、小型或微型"
ROW_INDUSTRY = "行业代码应为国民经济行业分类（GB/T 4754）代码，如 I6510 或 H62"
ROW_REGION = "所属区划应为 6 位行政区划代码"
ROW_DATE = "成立日期格式应为YYYY-MM-DD"
ROW_ID_NUMBER = "法定代表人身份证号不正确"
ROW_EMPLOYEES = "从业人数应为整数（可留空）"
ROW_DUPLICATE = "与第{line}行的统一社会信用代码重复"
