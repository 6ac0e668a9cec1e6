"""What citizens and staff read about guidance (智能导服)."""

QUERY_EMPTY = "请输入您想办的事或想问的问题"
QUERY_TOO_SHORT = "请至少输入两个字，或输入拼音首字母（如 yyzz）"
QUERY_NO_WORDS = "请用文字描述您想办的事，例如“我想开个小饭馆”"
NOT_SURE = "没有找到确切的答案。您可以换个说法再试，或转人工咨询，工作人员会在时限内答复您。"
SURE = "为您找到以下答案"
DID_YOU_MEAN = "您是不是要找"
HANDOFF_TEXT = "【智能导服转人工】{query}"
HANDOFF_DONE = "已转人工咨询，工作人员将在{due}前答复您，可在“我的诉求”中查看进度"

SCENARIO_NOT_FOUND = "没有找到该办事情景"
SCENARIO_CHANGED = "该办事情景刚刚更新，请重新开始回答"
ANSWERS_INCOMPLETE = "还有问题没有回答：{question}"
ANSWER_UNKNOWN = "没有这个问题"
ANSWER_VALUE = "请从给出的选项中选择"
ANSWER_NOT_ASKED = "根据您之前的回答，这个问题不需要回答"
YES, NO = "是", "否"
PROGRESS = "第{answered}题/共{total}题"
CHECKLIST_DONE = "根据您的回答，需要办理以下{count}个事项"
CHECKLIST_NONE = "根据您的回答，不需要办理事项，请看下面的提示"

ENTRY_NOT_FOUND = "没有找到该问答"
NO_DRAFT = "没有待发布的草稿"
NOT_OWNER = "只有归属中心的工作人员可以编辑"
UNKNOWN_ITEMS = "没有找到事项：{codes}"
UNKNOWN_SCENARIOS = "没有找到办事情景：{codes}"
UNKNOWN_CENTRE = "没有找到该服务中心"
CODE_SHAPE = "编号只能包含小写字母、数字和连字符，2-40个字符"
SYNONYM_WORDS = "同义词组需要2-12个词，每个词2-30个字，用“=”或逗号分隔"

DEF_WHEN_SHAPE = "条件应写成“问题编号: 取值”"
DEF_WHEN_UNKNOWN = "条件引用了前面没有的问题：{key}"
DEF_WHEN_VALUE = "问题 {key} 没有取值 {value}"
DEF_NO_QUESTIONS = "至少需要一个问题"
DEF_KEY = "问题编号只能包含字母、数字和下划线，最多30个字符"
DEF_KEY_TWICE = "问题编号 {key} 重复"
DEF_TEXT = "问题文字需要2-100个字"
DEF_KIND = "问题类型只能是 yesno（是否）或 choice（选择）"
DEF_OPTIONS = "选择题至少需要两个选项，每个选项要有 value 和 label"
DEF_NO_OUTCOMES = "至少需要一个结果事项"
DEF_ITEM = "没有找到事项：{item}"
DEF_OUTCOME_EMPTY = "结果需要写明事项（item）或提示（note）"
DEF_MATERIAL = "追加材料要有名称（1-60个字）、是否必需、原件或复印件、份数（1-20）"
DEF_MATERIAL_ITEM = "有追加材料时请选择办理事项（材料列在事项下面）"
DEF_MATERIAL_FORM = "材料形式只能是原件、复印件或原件和复印件"

# The scenario editor's form (console).
FORM_PROBLEMS = "有 {count} 处需要改正，已在下面标出"
FORM_UNTITLED = "（还没写问题）"
FORM_WHEN_GONE = "这个条件所选的问题或选项已经不存在，请重新选择"
FORM_WHEN_LATER = "只能选择排在这个问题前面的问题作为条件"
FORM_COUNT = "份数请填 1-20 的数字"
FORM_OUTCOME_EMPTY = "请选择要办理的事项，或写一句提示"
YAML_SCENARIO = "YAML 应是一个办事情景（含 title、summary、audience、questions、outcomes），可以先“导出 YAML”看看格式"
YAML_AT_PATH = "第 {line} 行（{where}）：{message}"
YAML_NAMES = {"questions": "问题", "outcomes": "结果", "options": "选项", "materials": "材料", "kind": "回答方式",
              "text": "问题文字", "when": "条件", "item": "事项", "note": "提示", "key": "编号", "form": "形式",
              "count": "份数", "title": "情景名称", "summary": "简介", "audience": "服务对象", "department": "归属部门",
              "owner_centre_id": "归属中心", "code": "编号"}

IMPORT_FORMAT = "只能导入 .csv、.yaml 或 .yml 文件"
IMPORT_ENCODING = "文件须为 UTF-8 编码"
IMPORT_EMPTY = "文件中没有可导入的内容"
IMPORT_COLUMNS = "CSV 缺少列：{columns}"
IMPORT_TOO_MANY = "一次最多导入 {limit} 条"
IMPORT_DUPLICATE = "与第{line}行编号重复"

STATUS_NAMES = {"draft": "草稿", "published": "已发布", "retired": "已停用"}
KIND_NAMES = {"entry": "问答", "scenario": "办事情景", "item": "办事事项"}
FORM_NAMES = {"original": "原件", "copy": "复印件", "original_and_copy": "原件和复印件"}
VARIANT_TOO_LONG = "每种问法最多200个字"
KEY_NAMES = {"必需": True, "可容缺": False}
MATERIAL_LINE = "第{number}行材料格式应为：名称, 必需或可容缺, 原件/复印件/原件和复印件, 份数"

# A scenario's conditions in the console's preview.
CONDITION = "“{question}”答{answers}"
CONDITION_JOIN = "，且"
YES, NO = "是", "否"
