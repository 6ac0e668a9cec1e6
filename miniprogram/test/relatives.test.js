// 亲友的记录 (view scope) and 政策订阅: what the pages show from the API's answers and what they send back.
const test = require("node:test");
const assert = require("node:assert/strict");
const relatives = require("../utils/relatives.js");
const subscriptions = require("../utils/subscriptions.js");

test("a relative's records read as rows: bookings, cases, licences and 电子证照, masked as the API gives them", () => {
  const view = relatives.recordsView(
    { appointments: [{ id: 4, items: [{ code: "A1", name: "居民身份证换领" }, { code: "A2", name: "户口迁移" }],
                       starts_at: "2026-11-25T10:00:00+08:00", centre_name: "东昌府区政务服务中心", window_name: "综合窗口",
                       status_name: "已预约" }] },
    { applications: [{ reference: "BS20261124-AAAAAA", item_name: "特种设备作业人员证复审", centre_name: "东昌府区政务服务中心",
                       status: "completed", status_name: "已办结", due_on: null, overdue: false, paused: false,
                       bundle_reference: null }] },
    { licences: [{ id: 9, licence_type: "食品经营许可证", number: "JY13715000000077", holder_name: "王*",
                   issuing_centre: "东昌府区政务服务中心", expires_on: "2027-01-20", days_left: 60, status: "expiring" }] },
    { certificates: [{ id: 2, type_name: "特种设备作业人员证", identifier: "112037157120260000001", status_name: "有效",
                       expires_on: "2030-11-23" }] });
  assert.deepEqual(view.appointments, [{ id: 4, names: "居民身份证换领、户口迁移", when: "11月25日（周三）10:00",
                                         where: "东昌府区政务服务中心（综合窗口）", state: "已预约" }]);
  assert.deepEqual(view.cases.map((c) => [c.title, c.state, c.reference]),
                   [["特种设备作业人员证复审", "已办结", "BS20261124-AAAAAA"]]);
  assert.deepEqual(view.licences.map((l) => [l.type, l.holder, l.state]),
                   [["食品经营许可证", "王*", "还有 60 天到期，请及时办理延续"]]);
  assert.deepEqual(view.certificates.map((c) => [c.type, c.state, c.until]), [["特种设备作业人员证", "有效", "2030-11-23"]]);
  assert.deepEqual(relatives.recordsView({}, null, undefined, { certificates: [] }),
                   { appointments: [], cases: [], licences: [], certificates: [] });
});

test("an authorisation that ended or does not grant viewing is said in plain words; other errors keep the API's", () => {
  const ended = relatives.refusalText({ status: 404, code: "relative_not_found", message: "未找到该亲友授权" }, "王持证");
  assert.match(ended, /^您对王持证的代办授权已经结束（已撤销或已过期），不能再查看其预约、办件和证照。/);
  const narrow = relatives.refusalText({ status: 403, code: "scope_not_granted", message: "没有权限" }, "孙秀英");
  assert.match(narrow, /^孙秀英授权您办的事里不包括“查看办件与证照”/);
  assert.match(relatives.refusalText({ code: "relative_not_found" }, ""), /您对这位亲友的代办授权已经结束/);
  assert.equal(relatives.refusalText({ status: 503, code: "unexpected", message: "服务暂时不可用，请稍后再试" }, "王持证"),
               "服务暂时不可用，请稍后再试");
});

test("查看记录 is offered only for an authorisation in force that grants the view scope", () => {
  assert.equal(relatives.canView({ state: "active", scopes: ["book", "view"] }), true);
  assert.equal(relatives.canView({ state: "active", scopes: ["book", "remind"] }), false);
  assert.equal(relatives.canView({ state: "pending", scopes: ["view"] }), false);
  assert.equal(relatives.canView({ state: "revoked", scopes: ["view"] }), false);
  assert.equal(relatives.canView({ state: "expired", scopes: ["view"] }), false);
  assert.equal(relatives.canView(null), false);
});

test("政策订阅: only what the server says is on starts ticked; the ticked ones are sent in its order", () => {
  const rows = subscriptions.categoryRows({ categories: ["助残帮扶"], available: ["就业创业", "养老服务", "助残帮扶"] });
  assert.deepEqual(rows, [{ name: "就业创业", checked: false }, { name: "养老服务", checked: false },
                          { name: "助残帮扶", checked: true }]);
  assert.ok(subscriptions.categoryRows({ categories: [], available: ["就业创业", "养老服务"] }).every((r) => !r.checked));
  assert.deepEqual(subscriptions.categoryRows(null), []);
  assert.deepEqual(subscriptions.chosenCategories(rows, ["助残帮扶", "就业创业", "不存在的类别"]), ["就业创业", "助残帮扶"]);
  assert.deepEqual(subscriptions.chosenCategories(rows, []), []);
  assert.equal(subscriptions.savedText(["养老服务", "助残帮扶"]),
               "已保存。有新的“养老服务”“助残帮扶”政策发布时，会在“消息”里告诉您。");
  assert.match(subscriptions.savedText([]), /^已保存。新政策发布时不再单独告诉您/);
});
