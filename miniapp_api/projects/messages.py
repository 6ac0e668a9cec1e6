"""What enterprises and staff read about key projects (重点项目帮办代办). Reviewed in one place."""

PROJECT_NOT_FOUND = "没有找到该重点项目"
MILESTONE_NOT_FOUND = "没有找到该节点"
BUSINESS_NOT_FOUND = "没有找到该企业"
STAFF_NOT_FOUND = "所选工作人员不在您的中心"
CASE_NOT_FOUND = "所选办件不属于该项目的企业"
ALREADY_DONE = "该节点已办结"
ALREADY_LINKED = "该办件已关联到此节点"

STAGE_NAMES = {"approval": "立项", "land": "用地", "planning": "规划", "construction": "施工许可",
               "acceptance": "竣工验收", "completed": "已全部完成"}
STAFF_OVERDUE = "重点项目“{project}”的节点“{title}”（{stage}）已超过目标日期{due}，请包保领导和服务专员督办推进"
