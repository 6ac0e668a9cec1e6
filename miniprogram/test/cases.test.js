// 我的办件, 材料后补, 远程踏勘 and 改约: what the pages show from the API's answers and what they send back.
const test = require("node:test");
const assert = require("node:assert/strict");
const cases = require("../utils/cases.js");

test("a case row says its state and time limit in words, a paused or late one too", () => {
  const rows = cases.caseRows([
    { reference: "BS20261124-AAAAAA", item_name: "食品经营许可证（延续）", centre_name: "东昌府区政务服务中心",
      status: "in_review", status_name: "审查中", due_on: "2026-12-08", overdue: false, paused: false, bundle_reference: null },
    { reference: "BS20261124-BBBBBB", item_name: "残疾人证办理", centre_name: "东昌府区政务服务中心",
      status: "needs_correction", status_name: "待补正", due_on: "2026-11-20", overdue: true, paused: true,
      bundle_reference: "YJS20261124-CCCCCC" },
  ]);
  assert.deepEqual(rows.map((r) => [r.title, r.state, r.due, r.bundle]), [
    ["食品经营许可证（延续）", "审查中", "承诺办结 2026-12-08", ""],
    ["残疾人证办理", "待补正（补正中，办理时限暂停计算）", "已超过承诺办结日期 2026-11-20", "属于一件事 YJS20261124-CCCCCC"],
  ]);
  assert.deepEqual(cases.caseRows(undefined), []);
  assert.deepEqual(cases.bundleRows([{ reference: "YJS1", title: "开办餐馆一件事", phase: "in_progress", phase_name: "办理中",
                                       items: ["营业执照", "食品经营许可证"] }]),
                   [{ reference: "YJS1", title: "开办餐馆一件事", state: "办理中", items: "营业执照、食品经营许可证" }]);
});

test("only materials owed on a promise (先办后补) and not yet received are offered to report", () => {
  const owed = cases.owedMaterials({ materials: [
    { id: 1, kind: "deferred", name: "体检报告", due_on: "2026-12-08", received: false, reported_by_citizen_at: null, overdue: false },
    { id: 2, kind: "deferred", name: "照片", due_on: "2026-12-08", received: true, reported_by_citizen_at: null, overdue: false },
    { id: 3, kind: "correction", name: "原证书", due_on: "2026-12-01", received: false, reported_by_citizen_at: null, overdue: false },
    { id: 4, kind: "deferred", name: "租赁合同", due_on: "2026-11-20", received: false,
      reported_by_citizen_at: "2026-11-21T09:00:00+08:00", overdue: true },
  ] });
  assert.deepEqual(owed.map((m) => [m.id, m.reported, m.overdue]), [[1, false, false], [4, true, true]]);
  assert.deepEqual(cases.owedMaterials(null), []);
});

test("a report carries its note only when one is written, trimmed", () => {
  assert.deepEqual(cases.reportBody(7, "  已邮寄，顺丰 SF123 "), { material_id: 7, note: "已邮寄，顺丰 SF123" });
  assert.deepEqual(cases.reportBody(7, "   "), { material_id: 7 });
  assert.deepEqual(cases.reportBody(7, undefined), { material_id: 7 });
  assert.equal(cases.REPORT_NOTE_MAX, 200);
});

test("the case page offers 远程踏勘 only once one is scheduled", () => {
  assert.equal(cases.hasInspection({ timeline: [{ kind: "submitted" }, { kind: "inspection" }] }), true);
  assert.equal(cases.hasInspection({ timeline: [{ kind: "submitted" }] }), false);
  assert.equal(cases.hasInspection(null), false);
});

const SCHEDULED = {
  id: 3, reference: "BS20261124-AAAAAA", starts_at: "2026-11-25T10:00:00+08:00", ends_at: "2026-11-25T10:30:00+08:00",
  video_link: "https://video.liaocheng.gov.cn/room/1", status: "scheduled", conclusion: null, signed_by: null,
  signed_at: null, seal: null,
  lines: [{ key: "layout", text: "经营场所面积和布局与平面图一致", evidence: "photo", file_ids: [], ok: null, note: null },
          { key: "cold", text: "冷藏冷冻设备运转正常", evidence: "photo", file_ids: [5, 6], ok: null, note: null },
          { key: "health", text: "从业人员健康证明公示在岗", evidence: "none", file_ids: [], ok: null, note: null }],
};

test("a scheduled inspection: when, and per line what is still to send", () => {
  const view = cases.inspectionView(SCHEDULED);
  assert.equal(view.when, "11月25日 10:00–10:30");
  assert.equal(view.open, true);
  assert.match(view.state, /^待踏勘/);
  assert.deepEqual(view.lines.map((l) => [l.key, l.sent, l.canSend]), [
    ["layout", "还没有上传", true], ["cold", "已上传 2 个照片或视频", true],
    ["health", "视频踏勘时现场查看，不用上传", false]]);
});

test("a concluded inspection sends nothing more and shows each finding", () => {
  const view = cases.inspectionView(Object.assign({}, SCHEDULED, {
    status: "concluded", conclusion: "correction", signed_by: "赵踏勘",
    seal: { status: "valid", verified: true, key_id: "k1", text: "…" },
    lines: [Object.assign({}, SCHEDULED.lines[0], { ok: false, note: "与平面图不一致" }),
            Object.assign({}, SCHEDULED.lines[1], { ok: true })] }));
  assert.match(view.state, /^需要补正/);
  assert.equal(view.lines.some((l) => l.canSend), false);
  assert.deepEqual(view.lines.map((l) => l.finding), ["不符合：与平面图不一致", "符合"]);
  assert.match(view.sealed, /核验有效/);
});

test("evidence is photos or a short video, from the camera or the album", () => {
  const options = cases.mediaOptions();
  assert.deepEqual(options.mediaType, ["image", "video"]);
  assert.ok(options.maxDuration <= 60);
  assert.ok(options.count <= 9);
});

test("改约 offers only free slots serving every item, not the current one, earliest first", () => {
  const slot = (id, time, remaining) => ({ id, window_id: 1, window_name: "综合窗口", capacity: 2, remaining,
                                           starts_at: `2026-11-24T${time}:00+08:00`, ends_at: `2026-11-24T${time}:00+08:00` });
  const first = [slot(3, "14:00", 1), slot(1, "09:00", 2), slot(2, "09:15", 0), slot(4, "10:00", 1), slot(5, "11:00", 1)];
  const second = [slot(3, "14:00", 1), slot(1, "09:00", 2), slot(5, "11:00", 1)];
  const offered = cases.rescheduleSlots([first, second], "2026-11-24T11:00:00+08:00");
  assert.deepEqual(offered.map((s) => s.id), [1, 3]);
  assert.match(offered[0].label, /^上午 09:00/);
  assert.match(offered[1].label, /^下午 14:00.*余1个号/);
  assert.deepEqual(cases.rescheduleSlots([], ""), []);
});

test("the state 容缺受理 reads in plain words, in the list, the case and its timeline", () => {
  assert.equal(cases.statusText("accepted_pending_materials", "容缺受理"), "已受理，材料后补");
  assert.equal(cases.statusText("in_review", "审查中"), "审查中");
  const [row] = cases.caseRows([{ reference: "BS1", item_name: "设施农用地备案", centre_name: "中心", status: "accepted_pending_materials",
                                  status_name: "容缺受理", due_on: null, overdue: false, paused: false, bundle_reference: null }]);
  assert.equal(row.state, "已受理，材料后补");
  assert.deepEqual(cases.timelineRows({ timeline: [
    { at: "2026-11-23T09:00:00+08:00", title: "状态变更", status: "accepted_pending_materials", status_name: "容缺受理", note: null },
    { at: "2026-11-23T09:05:00+08:00", title: "远程踏勘", status: null, status_name: null, note: "11月24日 10:00" }] }), [
    { at: "2026-11-23T09:00:00+08:00", title: "状态变更", state: "已受理，材料后补", note: "" },
    { at: "2026-11-23T09:05:00+08:00", title: "远程踏勘", state: "", note: "11月24日 10:00" }]);
});

test("一件事 offered: each item with its department; booked only at a centre that handles them all", () => {
  const [offer] = cases.bundleOffers([{ code: "KSCJ", name: "残疾人证跨省通办一件事", summary: "一次申请", applicant: "person",
    items: [{ code: "A", name: "残疾评定", department: "卫生健康委员会", time_limit_working_days: 5 },
            { code: "B", name: "残疾人证办理", department: "残疾人联合会", time_limit_working_days: 10 }] }]);
  assert.equal(offer.items, "残疾评定（卫生健康委员会）、残疾人证办理（残疾人联合会）");
  assert.equal(offer.forBusiness, false);
  const centres = cases.commonCentres([[{ id: 2, name: "乙" }, { id: 1, name: "甲" }, { id: 3, name: "丙" }],
                                       [{ id: 1, name: "甲" }, { id: 2, name: "乙" }]]);
  assert.deepEqual(centres.map((c) => c.id), [2, 1]);
  assert.deepEqual(cases.commonCentres([]), []);
  assert.deepEqual(cases.bundleStarts([{ slot_id: 9, window_name: "综合窗口", starts_at: "2026-11-24T13:30:00+08:00",
                                         ends_at: "2026-11-24T14:15:00+08:00", slots_taken: 3 }]),
                   [{ id: 9, label: "下午 13:30–14:15 综合窗口" }]);
});
