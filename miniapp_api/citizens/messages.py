"""What citizens read when login or profile changes are refused. Reviewed in one place."""

INVALID_LOGIN_CODE = "登录凭证无效或已过期，请重新打开小程序"
LOGIN_TOO_FREQUENT = "登录太频繁，请一分钟后再试"
LOGIN_BLOCKED = "微信判定该账号存在风险，暂时无法登录，请联系微信客服"
WECHAT_UNAVAILABLE = "微信服务暂时不可用，请稍后再试"
NOT_LOGGED_IN = "请先登录"
INVALID_TOKEN = "登录状态无效，请重新登录"
SESSION_EXPIRED = "登录已过期，请重新登录"

REAL_NAME_INVALID = "请填写 2 到 20 个字的真实姓名（可含间隔号·）"
ID_NUMBER_INVALID = "身份证号码格式不正确，请核对 18 位号码"
PHONE_INVALID = "手机号码格式不正确，请填写 11 位手机号"
IDENTITY_LOCKED = "您已完成实名核验，姓名和身份证号不能直接修改；如信息有误，请重新进行人脸核验"
