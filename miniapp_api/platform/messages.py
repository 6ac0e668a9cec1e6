"""What anyone reads when a request fails for a reason no domain owns. Reviewed in one place."""

BAD_REQUEST = "请求格式有误，请检查后重试"
UNAUTHENTICATED = "请先登录"
NOT_FOUND = "您访问的内容不存在"
METHOD_NOT_ALLOWED = "不支持该操作方式"
PAYLOAD_TOO_LARGE = "提交的内容过大，请精简后重试"
UNSUPPORTED_MEDIA_TYPE = "请以 JSON 格式提交"
RATE_LIMITED = "操作太频繁，请稍后再试"
SERVICE_UNAVAILABLE = "服务暂时不可用，请稍后再试"
CANNOT_COMPLETE = "请求无法完成"
INVALID_INPUT = "提交的信息有误，请按提示修改"
UNSTORABLE = "提交的内容无法保存，请检查后重试"
CRASHED = "系统繁忙，请稍后再试；如问题持续，请把请求编号告诉工作人员"
FIELD_FORMAT = "格式不正确"
FIELD_REQUIRED = "此项必填"
TOO_SHORT = "内容太短，请至少写 {minimum} 个字"
TOO_LONG = "内容太长：最多 {maximum} 个字，现在是 {length} 个字，请删减"
NUL_CHARACTER = "内容不能包含空字符（\\u0000）"
IDEMPOTENCY_KEY_REUSED = "同一个请求编号已用于不同的内容，请重新提交"
IDEMPOTENCY_KEY_INVALID = "请求编号格式不正确"

# Pydantic error types → a Chinese explanation for the field.
FIELD_MESSAGES: dict[str, str] = {
    "missing": FIELD_REQUIRED,
    "string_too_short": "内容太短",
    "string_too_long": "内容太长",
    "string_type": "应为文字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为是或否",
    "bool_type": "应为是或否",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "extra_forbidden": "不支持此项",
    "string_pattern_mismatch": FIELD_FORMAT,
    "model_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "json_invalid": "不是有效的 JSON",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
}

# The audit chain's verification (platform/audit.py): each break in Chinese and in English (the CLI prints both).
AUDIT_BREAKS = {
    "edited": ("第 {row} 条记录被改动（内容与摘要不符）", "row {row} was edited (its digest does not match)"),
    "inserted": ("第 {row} 条记录是插入的（不在链上）", "row {row} was inserted (it is not in the chain)"),
    "unchained": ("第 {row} 条记录是插入的（没有摘要，不是本系统写入的）",
                  "row {row} was inserted (it has no digest: the application did not write it)"),
    "removed": ("第 {after} 条与第 {row} 条记录之间有记录被删除（或第 {after} 条被改写）",
                "rows were removed between row {after} and row {row} (or row {after} was rewritten)"),
    "removed_start": ("第 {row} 条之前的记录被删除，且没有有效的日结签章可以衔接",
                      "rows before row {row} were removed, and no valid day seal anchors it"),
    "pruned_too_early": ("第 {row} 条之前的记录在 {days} 天保存期内就被删除",
                         "rows before row {row} were removed within the {days}-day retention"),
    "seal_invalid": ("{day} 的日结签章无效（伪造或被改动）", "the seal of {day} does not verify (forged or altered)"),
    "seal_mismatch": ("{day} 的日结与第 {row} 条记录的摘要不符（日结后记录被改写）",
                      "the seal of {day} does not match row {row} (the chain was rewritten after sealing)"),
    "seal_missing": ("{day} 没有日结签章", "the day seal of {day} is missing"),
    "seal_row_missing": ("{day} 日结所指的第 {row} 条记录已不存在（被删除）",
                         "row {row}, the last row sealed on {day}, is gone (removed)"),
}
AUDIT_INTACT = ("记录链完整：{rows} 条记录，{seals} 个日结签章", "chain intact: {rows} rows, {seals} day seals")

# YAML a person typed (the scenario and policy editors, imports): where it broke, and what to look at, in words.
YAML_AT = "YAML 格式错误：第 {line} 行第 {column} 列附近，{hint}"
YAML_HINTS = (
    ("mapping values are not allowed", "这里不能出现冒号（文字里有冒号时，请给整段文字加上引号）"),
    ("expected ',' or ']'", "方括号 [ ] 里的列表没有正确结束，请检查逗号和右括号"),
    ("expected ',' or '}'", "花括号 { } 没有正确结束，请检查逗号和右括号"),
    ("cannot start any token", "这里有不能出现的字符（常见是 Tab 键缩进，请改用空格）"),
    ("could not find expected ':'", "缺少冒号（每一项写成“名称: 内容”）"),
    ("did not find expected key", "缩进没有对齐，或少了一个“- ”"),
    ("found unexpected end of stream", "引号没有成对"),
)
YAML_HINT_DEFAULT = "请检查冒号、逗号、引号和括号是否成对，缩进是否对齐"
