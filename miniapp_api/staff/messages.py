"""What staff read when login or access is refused."""

BAD_CREDENTIALS = "用户名或密码错误；连续输错 5 次账号将锁定 15 分钟，请稍后再试或联系管理员"
NOT_LOGGED_IN = "请先登录工作人员账号"
SESSION_EXPIRED = "登录已过期，请重新登录"
FORBIDDEN_ROLE = "您的账号没有此项操作的权限"
CENTRE_NOT_FOUND = "没有找到该服务中心"
SITE_CLERK_ONLY_AT_SITES = "代办点工作人员只能单独担任这一角色，并且只能分到代办点"
SITE_NOT_FOUND = "没有找到该代办点（您只能在自己所在的代办点登记）"
WEAK_PASSWORD = "密码至少12位，且须同时包含字母和数字"

# The audit log's CSV export (staff/audit_log.py).
AUDIT_CSV_HEADER = ["序号", "时间（北京时间）", "操作人", "操作", "对象类型", "对象编号", "详情", "摘要"]
