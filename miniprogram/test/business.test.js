// Words for 我的企业 and a case's result delivery (utils/business.js).
const test = require("node:test");
const assert = require("node:assert/strict");
const { deliveryView, batchProgressText, filingState } = require("../utils/business.js");

test("a mailed result: carrier, tracking number and where it is, in words", () => {
  const delivery = { method: "mail", pickup_place: null, pickup_hours: null, carrier: "中国邮政EMS",
                     tracking_number: "1190012345678" };
  assert.deepEqual(deliveryView({ status: "mailed", delivery }), {
    kind: "mail", title: "结果邮寄", state: "已寄出，正在派送，请留意快递员电话", carrier: "中国邮政EMS",
    tracking: "1190012345678", place: "", hours: "" });
  assert.equal(deliveryView({ status: "completed", delivery }).state, "已送达，办件已办结");
  assert.equal(deliveryView({ status: "ready_for_pickup", delivery: { method: "pickup", pickup_place: "东昌府区政务服务中心",
                                                                     pickup_hours: "工作日 9:00-17:00" } }).place,
               "东昌府区政务服务中心");
  assert.equal(deliveryView({ status: "in_review", delivery: { method: null } }), null);
});

test("a batch's progress and a filing's state read as plain words", () => {
  assert.equal(batchProgressText({ members: [{}, {}, {}], progress: [{ status_name: "审查中", count: 2 },
                                                                    { status_name: "已邮寄", count: 1 }] }),
               "共 3 人：审查中 2 人，已邮寄 1 人");
  assert.equal(batchProgressText({ members: [], progress: [] }), "共 0 人");
  assert.equal(filingState({ status: "draft", reference: null }), "草稿，还没有提交");
  assert.equal(filingState({ status: "submitted", reference: "BS20261124-7KQ4MX" }), "已提交，受理编号 BS20261124-7KQ4MX");
});
