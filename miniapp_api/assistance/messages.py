"""What citizens and staff read about 帮办代办 requests. Reviewed in one place."""

REQUEST_NOT_FOUND = "没有找到该帮办请求"
GRANT_NOT_FOUND = "没有找到该代办授权"
CENTRE_NOT_FOUND = "所选服务中心不存在"
ITEM_NOT_FOUND = "所选事项不存在"
ABOUT_SOMETHING = "请选择事项，或写下您需要帮助办理的事情"
CONTENT_RISKY = "内容未通过安全检测，请修改后再提交（请勿包含违法违规、广告或辱骂内容）"
ILLEGAL_STEP = "帮办请求当前状态为“{status}”，不能进行此操作"
ALREADY_TAKEN = "该请求已由其他帮办员接手，请刷新页面查看"
HELPER_NOT_OF_CENTRE = "该工作人员不在本中心，不能指派为帮办员"
ONLY_THE_HELPER = "只有负责该请求的帮办员可以进行此操作"
GRANT_NOT_IN_FORCE = "群众的代办授权已结束或尚未确认，不能再代为办理"
GRANT_ALREADY_LIVE = "已有一份待确认或生效中的代办授权"
GRANT_NOT_PENDING = "该代办授权已不是待确认状态"
GRANT_SCOPE_MISSING = "该代办授权不包括代为预约"
GRANT_NEEDS_ITEM = "请选择要代为预约的事项（本中心窗口办理的事项）"
GRANT_ITEM_FIXED = "这个请求的事项已经确定，代办授权只能用于这个事项"
GRANT_NO_ITEM = "这份授权没有确定事项，不能代为预约。请群众结束这份授权后，重新申请并选定事项"
GRANT_OUTSIDE = "群众只授权在{centre}预约“{item}”，不能预约其他服务中心或其他事项"
NO_ACCOUNT_GRANT = "这是在代办点登记的求助，群众没有在小程序里确认授权的途径；需要代为办理时，请群众到窗口或代办点签纸质委托书"
CLAIM_NEEDS_VERIFIED = "请先完成实名核验（刷一次脸），才能找回在代办点登记的求助"

STATUS_NAMES = {"submitted": "已提交", "assigned": "已分派", "in_progress": "办理中", "closed": "已办结",
                "withdrawn": "已撤回"}
GRANT_STATUS_NAMES = {"pending": "待您确认", "active": "生效中", "revoked": "已撤销", "ended": "已结束",
                      "expired": "已过期"}
SCOPE_NAMES = {"book": "代为预约"}
EVENT_NAMES = {"submitted": "提交帮办请求", "assigned": "已分派帮办员", "contacted": "帮办员已联系您",
               "grant_asked": "帮办员申请代办授权", "grant_confirmed": "您已确认代办授权",
               "grant_revoked": "您已撤销代办授权", "grant_ended": "代办授权已结束", "booked_for": "帮办员已为您预约",
               "closed": "已办结", "withdrawn": "您已撤回请求", "note": "内部备注", "overdue": "首次联系已超期",
               "reassigned": "已更换帮办员", "taken_at_site": "代办点代为登记",
               "claimed": "您已在小程序找回这件求助"}
# The same steps as staff read them (the requester is 群众, not 您).
STAFF_EVENT_NAMES = {**EVENT_NAMES, "contacted": "已联系群众", "grant_asked": "申请代办授权",
                     "grant_confirmed": "群众已确认授权", "grant_revoked": "群众已撤销授权", "booked_for": "代为预约",
                     "withdrawn": "群众已撤回请求", "taken_at_site": "代办点登记",
                     "claimed": "群众已在小程序找回"}

TITLE = "帮办代办进度"
BODY_ASSIGNED = "您的帮办请求（编号 {id}）已安排帮办员{helper}，将在{due}前与您联系。"
BODY_REASSIGNED = "您的帮办请求（编号 {id}）已改由帮办员{helper}负责；之前给原帮办员的代办授权已结束。"
BODY_GRANT_ASKED = "帮办员{helper}申请为您代办：在{centre}{scopes}“{item}”，有效 {hours} 小时。请在小程序里确认或拒绝。"
BODY_CLOSED = "您的帮办请求（编号 {id}）已办结：{note} 欢迎在小程序里评价帮办员的服务。"
BOOKED_FOR_NOTE = "{when} {centre}（{items}）"
TIP_PROGRESS = "点击查看帮办进度"
TIP_CONFIRM = "点击确认或拒绝授权"
TIP_RATE = "点击查看并评价"
ASSIGNED_TO = "帮办员：{name}"
RATING_TITLE = "帮办代办 #{id}"
STAFF_CONTACT_OVERDUE = "帮办请求（编号 {id}）应于{due}前首次联系群众，现已超期，请尽快联系。"
OVERDUE_NOTE = "首次联系已超期，已提醒帮办员（未分派的提醒中心负责人）"
