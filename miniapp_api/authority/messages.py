"""What citizens read when an act in someone else's name is refused. Reviewed in one place."""

SCOPE_VIEW_ONLY = "该亲友只授权您查看，不能代为预约、取消或改约；如需代办，请让本人在“亲友代办”中修改授权"
NAMED_CANNOT_RESCHEDULE = "这是他人为您代预约的号，您可以取消；如需改约，请取消后自行预约"
