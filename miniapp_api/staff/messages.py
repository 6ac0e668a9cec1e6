"""What staff read when login or access is refused."""

BAD_CREDENTIALS = "用户名或密码错误"
LOCKED = "密码错误次数过多，账号已锁定，请{minutes}分钟后再试或联系管理员"
NOT_LOGGED_IN = "请先登录工作人员账号"
SESSION_EXPIRED = "登录已过期，请重新登录"
FORBIDDEN_ROLE = "您的账号没有此项操作的权限"
CENTRE_NOT_FOUND = "没有找到该服务中心"
WEAK_PASSWORD = "密码至少12位，且须同时包含字母和数字"
