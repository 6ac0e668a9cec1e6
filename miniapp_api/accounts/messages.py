"""What citizens read about deleting their account. Reviewed in one place."""

CONFIRM_WORDS = "确认注销"
CONFIRM_REQUIRED = "请输入“确认注销”四个字，确认注销账号"
ALREADY_CLOSING = "该账号已在注销中"
CANCELLED_BY_DELETION = "账号注销"
ERASED_NAME = "已注销"
ERASE_NOTICE = ("账号已注销：登录已退出，{appointments}个未开始的预约已取消，{waitlists}个候补已取消，{relatives}个亲友授权已结束。"
                "您的姓名、身份证号、手机号和微信标识将在{hours}小时内清除；评价会匿名保留用于统计，办件档案按政务档案规定由办理部门保存。")
