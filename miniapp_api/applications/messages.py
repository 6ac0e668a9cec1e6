"""What citizens and staff read about applications (办件). Reviewed in one place."""

APPLICATION_NOT_FOUND = "没有找到该办件，请核对受理编号和手机号后四位"
BATCH_NOT_FOUND = "没有找到该批量办件"
ILLEGAL_TRANSITION = "办件当前状态为“{current}”，不能变更为“{target}”"
PROMISE_REQUIRED = "容缺受理需要申请人的书面承诺和补交期限"
MISSING_MATERIALS_REQUIRED = "容缺受理请列出缺少的非关键材料"
KEY_MATERIAL_CANNOT_BE_DEFERRED = "“{name}”是关键材料，不能容缺受理"
CORRECTIONS_REQUIRED = "请列出需要补正的内容"
PICKUP_REQUIRED = "请填写领取地点"
MAILING_REQUIRED = "请填写快递公司和运单号"
MATERIALS_OUTSTANDING = "还有容缺材料未补齐：{names}，补齐后才能办结"
MATERIAL_NOT_FOUND = "没有找到该材料"
MATERIAL_ALREADY_RECEIVED = "该材料工作人员已确认收到，无需再次提交"
DEADLINE_IN_PAST = "补交期限不能早于今天"
BATCH_MEMBERS_REFUSED = "批量办件中有{count}件不能变更为“{target}”，本次未做任何变更"
BATCH_MEMBERS_REQUIRED = "批量办件至少包含一件"
APPLICANT_ID_REQUIRED = "个人申请需要填写申请人身份证号"
CREDIT_CODE_REQUIRED = "企业申请需要填写统一社会信用代码"
CREDIT_CODE_INVALID = "统一社会信用代码格式不正确"
APPOINTMENT_NOT_AT_CENTRE = "该预约不属于本中心"
ITEM_NOT_AT_CENTRE = "本中心不办理该事项"
WINDOW_NOT_AT_CENTRE = "该窗口不属于本中心"
TAKEN_IN_AT_SITE = "{site}代收材料，转交中心办理"

STATUS_NAMES = {
    "submitted": "已提交", "accepted": "已受理", "accepted_pending_materials": "容缺受理",
    "in_review": "审查中", "needs_correction": "待补正", "approved": "已批准", "rejected": "不予许可",
    "ready_for_pickup": "待领取", "mailed": "已邮寄", "completed": "已办结",
}
# What the citizen reads: staff say 容缺受理, a citizen reads the glossary's plain words
# (miniprogram/utils/glossary.js; tests/test_plain_words.py keeps the raw term out).
CITIZEN_STATUS_NAMES = {**STATUS_NAMES, "accepted_pending_materials": "已受理，材料可以以后补交"}
# Short phrases for WeChat's `phrase` field (≤ 5 Chinese characters).
STATUS_PHRASES = {
    "accepted": "已受理", "accepted_pending_materials": "已受理", "in_review": "审查中",
    "needs_correction": "待补正", "approved": "已批准", "rejected": "不予许可", "ready_for_pickup": "待领取",
    "mailed": "已邮寄", "completed": "已办结",
}
EVENT_NAMES = {
    "created": "窗口收件", "status": "状态变更", "material_received": "材料已收到",
    "material_reported": "申请人已补交材料", "material_overdue": "承诺补交的材料逾期未补齐", "note": "备注",
    "submitted_online": "网上申报", "inspection": "远程踏勘",
    "promise_signed": "告知承诺", "approval_revoked": "审批撤销（核查与承诺不符）",
}

TITLE_STATUS = "办件进度通知"
TITLE_MATERIALS = "补交材料提醒"
BODY_STATUS = "您申请的“{item}”（受理编号 {reference}）{what}。{extra}"
STATUS_WHAT = {
    "accepted": "已受理，承诺{due}前办结",
    "accepted_pending_materials": "已受理（缺的材料可以以后补交），承诺{due}前办结",
    "needs_correction": "需要补正材料，办理时限暂停计算",
    "in_review": "已收到补正材料，继续审查",
    "submitted": "已收到补正材料，重新进入预审",
    "approved": "已审批通过",
    "rejected": "未予许可",
    "ready_for_pickup": "已办好，可以领取",
    "mailed": "已办好并寄出",
    "completed": "已办结",
}
EXTRA_DEFERRED = "请于{deadline}前补交：{materials}。"
EXTRA_CORRECTIONS = "请于{deadline}前补正：{corrections}。"
EXTRA_PICKUP = "领取地点：{place}；办公时间：{hours}。请带本人身份证。"
EXTRA_MAILED = "快递：{carrier}，运单号 {tracking}。"
EXTRA_COMPLETED = "感谢您的耐心，欢迎对本次服务进行评价。"
BODY_MATERIALS = "您的“{item}”（受理编号 {reference}）已先受理、材料以后补交，按承诺请于{deadline}前补交：{materials}。已寄出或已提交的，可在办件详情里告诉我们。"
TIP_MATERIALS = "补交材料提醒"
TIP_STATUS = "点击查看办件详情"
# 一次一评: the invitation after 办结 (voluntary: no level suggested, 国办发〔2019〕51号).
TITLE_RATE = "请为本次服务评价"
RATING_LINK_NOT_FOUND = "评价链接无效，请打开微信“办事通”小程序，在办件详情里评价"
BODY_RATE = "您申请的“{item}”（受理编号 {reference}）已办结。欢迎对本次服务评价，满意与否都请如实评价，差评我们会回访整改。"
TIP_RATE = "点击评价本次服务"

PICKUP_HOURS_DEFAULT = "工作日办公时间"
WITHIN_LEGAL_LIMIT = "法定时限内"
MATERIAL_NOTE = "：{note}"
MATERIAL_ATTACHMENTS = "（附件{count}个）"
MATERIAL_OVERDUE_NOTE = "{material}：承诺{due}前补交，已逾期，请联系申请人"
BATCH_NOTE = "批量办理：{title}"
MEMBER_LIST_INVALID = "名单有{count}处问题，请改正后重新上传（未创建任何办件）"
MEMBER_LIST_UNREADABLE = "名单文件无法读取，请上传 Excel（.xlsx）或 CSV 文件"
MEMBER_LIST_NOT_UTF8 = "CSV 文件请以 UTF-8 编码保存（Excel“另存为 CSV UTF-8”）"
MEMBER_LIST_EMPTY = "名单是空的"
MEMBER_LIST_TOO_LONG = "一个批次最多 {max} 人（家），请分批上传"
MEMBER_LIST_SHEET_TOO_LARGE = "名单表格太大：最多读取前 {rows} 行、{columns} 列，请删除多余的行和列（包括设置过格式的空白行、列）或分批上传"
MEMBER_LIST_COLUMN_MISSING = "缺少“{column}”列"
MEMBER_CELL_EMPTY = "“{column}”未填写"
MEMBER_NAME_TOO_LONG = "名称不能超过40个字"
MEMBER_KEY_INVALID = "“{column}”不正确，请核对"
MEMBER_DUPLICATE = "“{column}”与第{row}行重复"
MEMBER_PHONE_INVALID = "手机号应为11位"
BATCH_DONE_TITLE = "批量办件已全部办结"
BATCH_DONE_BODY = "您单位的批量办件“{title}”（批次号 {reference}）共{count}件已全部办结：{outcomes}。可在办件进度里查看每一件。"

# 一件事 bundles (the parent case).
BUNDLE_NOT_FOUND = "没有找到该“一件事”办件，或您无权查看"
TITLE_BUNDLE_DONE = "一件事已全部办结"
BODY_BUNDLE_DONE = "您申请的“{title}”（受理编号 {reference}）所含事项已全部办结。请对这件事整体评价，差评我们会回访整改。"
TIP_BUNDLE_RATE = "点击查看并评价"
BUNDLE_PHASES = {
    "submitted": "等待预审", "in_progress": "办理中", "needs_correction": "有事项待补正", "completed": "已全部办结",
}

# 分支机构批量变更 filed online by the business's agent (branches.py).
BRANCH_FILING_NOT_FOUND = "没有找到该批量申报，或您无权查看"
BRANCH_FILING_NOTE = "分支机构批量变更：{title}（批次号 {reference}）"
BRANCHES_NEEDED = "请至少填写一个分支机构"
BRANCHES_TOO_MANY = "一次网上申报最多 {max} 个分支机构；更多的请分批申报，或到窗口办理"
BRANCH_IS_THE_BUSINESS = "这是本单位自己的统一社会信用代码，请填写分支机构的"
BRANCH_OF_ANOTHER = "这个统一社会信用代码属于另一家已登记的企业，您不是它的经办人，不能替它申报；如确是本单位的分支机构，请到窗口办理"
BRANCH_OUTCOMES = {"approved": "准予", "rejected": "不予许可"}
BRANCH_PHASES = {"in_progress": "办理中", "needs_correction": "有分支机构待补正", "completed": "已全部办结"}
TITLE_BRANCHES_CORRECTION = "分支机构变更需要补正"
BODY_BRANCHES_CORRECTION = "批量申报“{title}”（批次号 {reference}）中，{branch}的办件（受理编号 {child}）需要补正：{what}"
TITLE_BRANCHES_DONE = "分支机构批量变更已全部办结"
BODY_BRANCHES_DONE = "您单位的批量申报“{title}”（批次号 {reference}）共{count}个分支机构已全部办结：{summary}。\n{lines}"
BRANCH_LINE = "{name}（{credit_code}）：{outcome}"
TIP_BRANCHES_DONE = "点击查看每个分支机构的结果"
BRANCH_LIST_TOO_BIG = "名单文件太大（最多约 900 KB），请分批申报"

# 审管联动: revoking an approval granted on a 告知承诺 (applications/promises.py)
REVOKE_OWN_CENTRE_ONLY = "只有受理该办件的中心的工作人员可以撤销审批"
REVOKE_REASON_NEEDED = "请写明撤销的原因（核查发现的情况）"
REVOKE_NOT_BY_PROMISE = "该办件不是以告知承诺方式办理的，不能按承诺不实撤销"
REVOKE_ALREADY = "该办件的审批已撤销"
REVOKE_NOT_APPROVED = "该办件尚未审批通过，不需要撤销；请按不予许可处理"
REVOKED_NOTE = "经核查，申请人承诺的情况与实际不符，审批已撤销。原因：{reason}"
REVOKED_TITLE = "审批已撤销"
REVOKED_BODY = "您以告知承诺方式申请的“{item}”（受理编号 {reference}）经核查与承诺不符，审批已撤销。原因：{reason}。如有异议，请联系受理中心。"
REVOKED_PHRASE = "已撤销"
REVOKED_TIP = "点击查看撤销原因"
