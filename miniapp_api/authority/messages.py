"""What citizens read when an act in someone else's name is refused. Reviewed in one place."""

NOT_YOURS = "没有找到该记录，或您无权查看"
ASK_FOR_AUTHORISATION = "请让本人完成实名核验后，在“亲友代办”中授权您代为办理"
SCOPE_VIEW_ONLY = "该亲友只授权您查看，不能代为预约、取消或改约；如需代办请让本人修改授权"
NAMED_CANNOT_RESCHEDULE = "这是他人为您代预约的号，您可以取消；如需改约请取消后自行预约"
AGENT_ENDED = "您对该企业的经办授权已结束，请联系企业法定代表人到窗口重新办理经办人授权"
NOT_REPRESENTATIVE = "只有企业的法定代表人可以办理此项"
