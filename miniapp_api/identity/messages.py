"""What citizens and staff read about verification and relatives. Reviewed in one place."""

# --- verified phone ------------------------------------------------------------------------------------
PHONE_CODE_INVALID = "手机号授权已失效，请重新点击“使用微信手机号”"
PHONE_NOT_TRUSTED = "未能确认微信返回的手机号，请稍后重试"
PHONE_TOO_FREQUENT = "获取手机号太频繁，请一分钟后再试"
PHONE_UNAVAILABLE = "微信暂时无法提供手机号，请稍后再试，也可以手动填写手机号"

# --- face verification ---------------------------------------------------------------------------------
VERIFY_UNAVAILABLE = "微信人脸核验服务暂时不可用，请稍后再试，您填写的信息不会丢失"
VERIFY_REFUSED = "微信未能发起人脸核验，请核对姓名和身份证号后重试"
VERIFY_USER_UNKNOWN = "微信未能确认您的登录状态，请关闭小程序重新打开后再核验"
VERIFICATION_NOT_FOUND = "未找到这次核验，请重新发起实名核验"
VERIFICATION_EXPIRED = "这次核验已超过 1 小时有效期，请重新发起实名核验"
VERIFICATION_FINISHED = "这次核验已经结束，如需重新核验请重新发起"
VERIFICATION_NOT_FINISHED = "还没有完成刷脸，请按提示完成人脸核验后再点“我已完成”"
VERIFICATION_MISMATCH = "核验信息不一致，请重新发起实名核验"
VERIFIED_MOVED = "您的实名身份已在另一个微信账号上重新核验，本账号已解除实名，如非本人操作请尽快联系政务服务中心"
VERIFIED_MOVED_TITLE = "实名身份已转移"
IDENTITY_REQUIRED = "请先完成实名核验（人脸核身）后再办理"

# verify_ret → what the citizen reads. 10001–10004 come from the comparison on WeChat's
# side; 9xxxx are failures on the phone (cancelled, no camera, network).
FACE_RESULTS = {
    10001: "核验参数有误，请重新发起实名核验",
    10002: "未能检测到清晰的人脸，请在光线充足处摘下口罩、眼镜后重试",
    10003: "姓名与身份证号不匹配，请核对后重新核验",
    10004: "人脸与身份证照片比对不一致，请本人重新核验；多次失败可携带身份证到窗口办理",
    90001: "您的手机不支持人脸核验，请换一部手机或到窗口办理",
    90002: "您取消了人脸核验，可随时重新发起",
    90007: "网络不稳定，请在网络良好时重试",
    90008: "请允许微信使用相机后重试",
    90009: "请允许微信使用麦克风后重试",
    90010: "请允许微信使用相机和麦克风后重试",
    90011: "人脸采集不清晰，请在光线充足处重试",
    90017: "刷脸超时，请重试",
    90018: "微信人脸核验出错，请稍后重试",
}
FACE_RESULT_RANGES = (
    (90002, 90006, 90002),   # the five "user cancelled" codes read the same
    (90012, 90012, 90007),
    (90013, 90014, 90011),
    (90104, 90199, 90018),
)
FACE_RESULT_OTHER = "人脸核验未通过，请重试；多次失败可携带身份证到政务服务中心窗口办理"

# --- relatives (亲友代办) -------------------------------------------------------------------------------
RELATIVE_SELF = "不能为自己添加亲友代办"
RELATIVE_EXISTS = "您已添加过这位亲友，请在列表中查看"
RELATIVE_NOT_FOUND = "未找到该亲友授权，可能已撤销或过期；如需继续代办，请让亲友本人完成实名核验后重新授权"
INVITE_INVALID = "授权码无效或已过期，请让亲友重新生成"
SCOPE_NOT_GRANTED = "该亲友没有授予您这项代办权限"
SCOPES_REQUIRED = "请至少选择一项代办权限"
PAPER_REF_REQUIRED = "请填写纸质授权书的扫描件编号"
RELATIVE_TOO_MANY = "最多可添加 10 位亲友"
SCOPE_NAMES = {"book": "代为预约", "view": "查看办件与证照", "remind": "接收提醒"}
STATUS_NAMES = {"pending": "待确认", "active": "已生效", "revoked": "已撤销", "expired": "已过期"}
RELATIONS = ("配偶", "父母", "子女", "祖父母", "孙子女", "兄弟姐妹", "其他亲属")
REVOKED_TITLE = "亲友代办授权已撤销"
REVOKED_BODY = "{who}撤销了{name}的亲友代办授权，此后将不能再代为办理。"
REFUSED_TITLE = "亲友代办申请没有被同意"
REFUSED_BODY = "{name}没有同意您的亲友代办申请，您不能替TA办理。如需帮忙，可以和TA商量后重新申请，或一起到政务服务中心窗口办理。"
ACTIVATED_TITLE = "亲友代办授权已生效"
ACTIVATED_BODY = "您可以为{name}代为办理：{scopes}，有效期至{until}。"
BY_DELEGATE = "代办人"
BY_PRINCIPAL = "被代办人"

