"""What citizens read about surveys (回访 / 满意度调查), and the default questionnaires."""

SURVEY_NOT_FOUND = "没有找到该问卷，可能链接有误"
SURVEY_EXPIRED = "该问卷已过期，感谢您的关注"
ALREADY_ANSWERED = "您已经提交过该问卷，感谢您的反馈"
REQUIRED = "此题必答"
CHOOSE_ONE = "请从选项中选择一项"
CHOOSE_SOME = "请从选项中选择"
SCALE = "请选择1到5之间的分数"
YES_NO = "请选择“是”或“否”"
TEXT_TOO_LONG = "请控制在{limit}字以内"
UNKNOWN_QUESTION = "问卷中没有这道题"

TITLE_INVITE = "服务回访邀请"
BODY_INVITE = "您办理的“{what}”已完成，耽误您一分钟，说说办得怎么样？{days}天内有效。"
BODY_REVISIT = "您反映的问题（{what}）已处理，请告诉我们问题解决了吗？{days}天内有效。"
TITLE_REMIND = "回访问卷提醒"
BODY_REMIND = "您还没有填写关于“{what}”的回访问卷，{expires}前有效，您的意见对我们很重要。"

SERVICE_SURVEY = {
    "code": "service", "title": "办事满意度回访",
    "questions": [
        {"key": "score", "kind": "scale", "text": "您对本次办事总体满意吗？（1分非常不满意，5分非常满意）",
         "required": True, "role": "score"},
        {"key": "once", "kind": "yes_no", "text": "这件事一次就办好了吗？", "required": True},
        {"key": "waiting", "kind": "single", "text": "在大厅等了多久？", "required": False,
         "options": ["10分钟以内", "10到30分钟", "30分钟以上", "没有到大厅"]},
        {"key": "improve", "kind": "multiple", "text": "您觉得哪些方面需要改进？", "required": False,
         "options": ["窗口服务态度", "办事效率", "材料要求", "大厅环境设施", "线上办理"]},
        {"key": "comment", "kind": "text", "text": "还有什么想对我们说的？", "required": False, "max_length": 300},
    ],
}
REVISIT_SURVEY = {
    "code": "revisit", "title": "问题解决回访",
    "questions": [
        {"key": "fixed", "kind": "yes_no", "text": "您反映的问题解决了吗？", "required": True, "role": "fixed"},
        {"key": "score", "kind": "scale", "text": "您对处理结果满意吗？（1到5分）", "required": True, "role": "score"},
        {"key": "comment", "kind": "text", "text": "还有什么需要补充的？", "required": False, "max_length": 300},
    ],
}

THIS_VISIT = "本次办事"
YOUR_ISSUE = "您反映的问题"
FEEDBACK_SUBJECT = "诉求（编号 {id}）"
TIP_INVITE = "点击填写，约1分钟"
TIP_REMIND = "问卷即将过期"
ANSWERS_INVALID = "问卷填写有误，请按提示修改"
REVISIT_SUMMARY = "回访：{what}"
REVISIT_NOT_FIXED = "，问题未解决"
REVISIT_SCORE = "，评分{score}"
REVISIT_UNHAPPY = "回访不满意"
THANKS = "感谢您的反馈！"
FOLLOW_UP = "我们已安排整改，处理后会再次回访您"
YES, NO = "是", "否"
