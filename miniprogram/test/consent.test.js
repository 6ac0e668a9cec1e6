// 订阅通知's words: each notice's state from the API's consent row (utils/consent.js consentRows).
const test = require("node:test");
const assert = require("node:assert");
const { consentRows, leftText } = require("../utils/consent.js");

test("订阅通知 says where each notice stands in words, one-time ones counting down and used up", () => {
  const rows = consentRows({ subscriptions: [
    { template_id: "t1", purpose: "预约结果", subscription: "one_time", status: "accept", remaining_one_time: 2 },
    { template_id: "t2", purpose: "到号提醒", subscription: "one_time", status: "accept", remaining_one_time: 0 },
    { template_id: "t3", purpose: "办件进度", subscription: "long_term", status: "accept", remaining_one_time: 0 },
    { template_id: "t4", purpose: "服务回访", subscription: "one_time", status: "not_asked", remaining_one_time: 0 },
    { template_id: "t5", purpose: "证照到期", subscription: "one_time", status: "ban", remaining_one_time: 0 },
    { template_id: "t6", purpose: "候补结果", subscription: "one_time", status: "reject", remaining_one_time: 0 },
  ] });
  assert.deepEqual(rows.map((r) => [r.purpose, r.state, r.on]), [
    ["预约结果", "已开启（还能收 2 条）", true],
    ["到号提醒", "已用完，需要再开启", false],
    ["办件进度", "已开启（长期）", true],
    ["服务回访", "未开启", false],
    ["证照到期", "已在微信里关闭，请在微信“设置 - 订阅消息”里打开", false],
    ["候补结果", "您没有允许", false],
  ]);
  assert.ok(rows.every((r) => !/[a-z]_[a-z]/.test(r.state + r.purpose)), "no template key reaches the citizen");
  assert.equal(leftText(0), "需要的通知都已开启");
  assert.match(leftText(4), /还有 4 类通知未开启/);
});
