// Page logic that does not need the WeChat runtime: formatting, slot grouping, actions, consent flow.
const test = require("node:test");
const assert = require("node:assert/strict");
const format = require("../utils/format.js");
const { requestConsents, leftText, MAX_PER_REQUEST } = require("../utils/consent.js");

test("slot times read as a citizen says them", () => {
  assert.equal(format.slotTime("2026-11-24T09:15:00+08:00"), "11月24日（周二）09:15");
  assert.equal(format.slotTime("garbage"), "");
});

test("slots are split into morning and afternoon, full ones marked", () => {
  const periods = format.slotsByPeriod([
    { id: 1, starts_at: "2026-11-24T09:00:00+08:00", ends_at: "2026-11-24T09:15:00+08:00", window_name: "综合窗口", remaining: 2 },
    { id: 2, starts_at: "2026-11-24T13:30:00+08:00", ends_at: "2026-11-24T13:45:00+08:00", window_name: "综合窗口", remaining: 0 },
  ]);
  assert.deepEqual(periods.morning.map((s) => [s.id, s.time, s.full]), [[1, "09:00", false]]);
  assert.deepEqual(periods.afternoon.map((s) => [s.id, s.full, s.seats]), [[null, true, "已约满"]]);
});

test("an appointment offers only the actions its status allows", () => {
  assert.deepEqual(format.appointmentActions({ status: "booked" }),
                   { cancel: true, reschedule: true, checkIn: true, rate: false });
  assert.deepEqual(format.appointmentActions({ status: "served" }),
                   { cancel: false, reschedule: false, checkIn: false, rate: true });
  assert.equal(format.appointmentActions({ status: "cancelled" }).cancel, false);
  const ticket = { status: "waiting", window_name: "综合窗口1", waiting_ahead: 3 };
  assert.deepEqual(format.ticketWords(ticket),
                   ["前面还有 3 人", "叫到您的号时，请到综合窗口1。请留意大厅的叫号屏和广播。"]);
  assert.equal(format.ticketWords(Object.assign({}, ticket, { waiting_ahead: 0 }))[0], "下一个就是您，请在综合窗口1附近等候");
  assert.equal(format.ticketWords(Object.assign({}, ticket, { waiting_ahead: null }))[0], "正在排队");
  assert.deepEqual(format.ticketWords(Object.assign({}, ticket, { status: "called" })), ["已叫到您的号，请马上到综合窗口1"]);
  assert.deepEqual(format.ticketWords(null), []);
  assert.equal(format.dayWords("2026-12-07"), "12月7日（周一）");
  assert.equal(format.dayWords(""), "");
  const week = format.hoursLines([{ weekday: 0, opens: "08:30", closes: "12:00" }, { weekday: 0, opens: "13:30", closes: "17:00" },
                                  { weekday: 5, opens: "09:00", closes: "12:00" }]);
  assert.deepEqual(week, ["周一：08:30–12:00、13:30–17:00", "周二：不办公", "周三：不办公", "周四：不办公", "周五：不办公",
                          "周六：09:00–12:00", "周日：不办公"]);
});

test("field messages are keyed by form field", () => {
  const messages = format.fieldMessages({ fields: { "body.phone": "手机号格式不正确", "for_person.name": "此项必填" } });
  assert.deepEqual(messages, { phone: "手机号格式不正确", "for_person.name": "此项必填" });
});

test("five levels, best first, in the national 好差评 wording", () => {
  assert.deepEqual(format.LEVELS.map((l) => l.name), ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]);
});

function fakeClient(after) {
  const posted = [];
  return {
    posted,
    get: async () => { throw new Error("nothing may be fetched between the tap and WeChat's prompt"); },
    post: async (path, body) => { posted.push([path, body]); return { subscriptions: after || [] }; },
  };
}

const row = (id, group, subscription, status, remaining = 0) =>
  ({ template_id: id, group, subscription, status, remaining_one_time: remaining });

test("consent asks WeChat at once, in the tap, for at most three of one kind, and reports its answer", async () => {
  const rows = [row("T1", "a", "one_time", "accept", 1), row("T2", "b", "one_time", "not_asked"),
                row("T3", "c", "one_time", "reject"), row("T4", "d", "one_time", "not_asked"),
                row("T5", "e", "one_time", "not_asked")];
  const after = [row("T1", "a", "one_time", "accept", 1), row("T2", "b", "one_time", "accept", 1),
                 row("T3", "c", "one_time", "reject"), row("T4", "d", "one_time", "accept", 1),
                 row("T5", "e", "one_time", "not_asked")];
  const client = fakeClient(after);
  let asked = null;
  const pending = requestConsents(client, async (ids) => {
    asked = ids;
    return { T2: "accept", T3: "reject", T4: "accept", errMsg: "requestSubscribeMessage:ok" };
  }, rows);
  assert.deepEqual(asked, ["T2", "T3", "T4"], "asked synchronously, before any await");
  const result = await pending;
  assert.equal(asked.length, MAX_PER_REQUEST);
  assert.deepEqual(client.posted, [["/api/v1/subscriptions", { results: { T2: "accept", T3: "reject", T4: "accept" } }]]);
  assert.deepEqual(result.results, { T2: "accept", T3: "reject", T4: "accept" });
  assert.equal(result.left, 2, "T3 (refused) and T5 can be asked at a later tap");
  assert.equal(result.subscriptions, after);
});

test("one kind per prompt: only the page's own notices, a used-up one-time consent asked again", async () => {
  const rows = [
    row("T1", "policy_notice", "long_term", "not_asked"),
    row("T2", "appointment_status", "one_time", "accept", 0),
    row("T3", "appointment_reminder", "long_term", "accept"),
    row("T4", "queue_call", "one_time", "accept", 2),
    row("T5", "survey_invite", "long_term", "not_asked"),
    row("T6", "licence_expiry", "one_time", "reject"),
    row("T7", "waitlist_result", "one_time", "ban"),
  ];
  let asked = null;
  const result = await requestConsents(fakeClient(), async (ids) => { asked = ids; return {}; },
                                       rows, ["appointment_status", "appointment_reminder", "queue_call"]);
  // T2 was used up by the last booking: asked again, alone — never with T1 or T5 (long-term: WeChat refuses a mix,
  // errCode 20002), nor with T6 (licences are not this page's business); T7 is switched off in WeChat.
  assert.deepEqual(asked, ["T2"]);
  assert.equal(result.left, 4);
  assert.match(leftText(result.left), /还有 4 类通知未开启/);
  assert.equal(leftText(0), "需要的通知都已开启");
  let longTerm = null;
  await requestConsents(fakeClient(), async (ids) => { longTerm = ids; return {}; }, rows, ["survey_invite"]);
  assert.deepEqual(longTerm, ["T5"]);
  let any = null;   // 订阅通知 names no notices of its own: any three of one kind
  await requestConsents(fakeClient(), async (ids) => { any = ids; return {}; }, rows);
  assert.deepEqual(any, ["T1", "T5"]);
});

test("a prompt WeChat did not show, or one closed without an answer, posts nothing", async () => {
  const client = fakeClient();
  const rows = [row("T1", "a", "one_time", "not_asked")];
  const failed = await requestConsents(client, async () => ({ errMsg: "requestSubscribeMessage:fail can only be invoked by user TAP gesture." }), rows);
  assert.equal(failed.failed, true);
  assert.equal(failed.left, 1);
  const nothing = await requestConsents(client, async () => { throw new Error("must not ask"); }, []);
  assert.deepEqual([nothing.left, nothing.failed], [0, false]);
  assert.deepEqual(client.posted, []);
});

test("the guide reads in Chinese with numbered steps, unknown parts kept", () => {
  const lines = format.guideLines({ fee: "不收费", steps: ["带齐材料", "窗口受理"], what_you_get: "营业执照", note: "另见" });
  assert.deepEqual(lines, [
    { label: "办好后得到", text: "营业执照" }, { label: "怎么办", text: "1. 带齐材料 2. 窗口受理" },
    { label: "收费", text: "不收费" }, { label: "note", text: "另见" },
  ]);
  assert.equal(format.materialLine({ name: "营业执照", form: "copy", count: 1 }), "营业执照（复印件 1 份）");
});

test("relatives' scopes go out in the API's order, each once", () => {
  assert.deepEqual(format.scopesFrom(["remind", "book", "remind"]), ["book", "remind"]);
  assert.deepEqual(format.scopesFrom([]), []);
  assert.deepEqual(format.SCOPES.map((s) => s[0]), ["book", "view", "remind"]);
});

test("the page tells the outcome of a face check in plain words", () => {
  assert.match(format.faceOutcome({ verified: true }), /通过/);
  assert.match(format.faceOutcome({ verified: false }), /未通过/);
});

test("长辈模式 slots: only free ones, earliest first, by hour, with the seats left in words", () => {
  const groups = format.slotsByHour([
    { id: 3, starts_at: "2026-11-24T14:00:00+08:00", window_name: "综合窗口", remaining: 1 },
    { id: 1, starts_at: "2026-11-24T09:15:00+08:00", window_name: "综合窗口", remaining: 2 },
    { id: 2, starts_at: "2026-11-24T09:00:00+08:00", window_name: "综合窗口", remaining: 0 },
    { id: 4, starts_at: "2026-11-24T09:45:00+08:00", window_name: "综合窗口", remaining: 3 },
  ]);
  assert.deepEqual(groups.map((g) => g.label), ["上午9点", "下午2点"]);
  assert.deepEqual(groups[0].slots.map((s) => [s.id, s.time, s.seats]), [[1, "09:15", "余2个号"], [4, "09:45", "余3个号"]]);
});

test("长辈模式 follows WeChat's font size: larger than the standard 17 px turns it on", () => {
  assert.equal(format.elderFromFontSize(17), false);
  assert.equal(format.elderFromFontSize(20), true);
  assert.equal(format.elderFromFontSize(undefined), false);
});

test("the call screen's QR holds the hall's check-in code after a prefix", () => {
  assert.equal(format.hallCode("BANSHI-HALL:4.5984652.943657a926b3c15d"), "4.5984652.943657a926b3c15d");
  assert.equal(format.hallCode(undefined), "");
});

test("a day is full only when it has slots and none has a seat left", () => {
  assert.equal(format.dayFull([]), false);
  assert.equal(format.dayFull([{ remaining: 0 }, { remaining: 1 }]), false);
  assert.equal(format.dayFull([{ remaining: 0 }, { remaining: 0 }]), true);
});

test("waitlist choices and entries read in words", () => {
  assert.deepEqual(format.waitlistTimes("morning"), { time_to: "12:00" });
  assert.deepEqual(format.waitlistTimes("all"), {});
  const entry = {
    id: 7, status: "waiting", status_name: "候补中", item: { code: "x", name: "居民身份证换领" }, centre_name: "东昌府区政务服务中心",
    date_from: "2026-11-24", date_to: "2026-11-24", time_from: null, time_to: "12:00", people_ahead: 2, offer: null,
    appointment_id: null };
  const waiting = format.waitlistView(entry);
  assert.equal(waiting.ahead, "前面还有 2 人");
  assert.equal(waiting.when, "2026-11-24，开门–12:00");
  assert.equal(waiting.cancellable, true);
  const offered = format.waitlistView(Object.assign({}, entry, { status: "offered", status_name: "候补成功，待确认",
    offer: { id: 3, starts_at: "2026-11-24T09:00:00+08:00", window_name: "综合窗口", expires_at: "2026-11-23T08:15:00+08:00" } }));
  assert.equal(offered.ahead, "");
  assert.equal(offered.offerText, "已为您保留 11月24日（周二）09:00（综合窗口）的号，请在 08:15 前确认");
});

test("a policy match reads whose it is, its state and the 免申即享 steps in words", () => {
  const view = format.policyMatchView({
    id: 7, policy: { title: "高龄津贴", benefit: "每月100元", mode_name: "免申即享" }, subject_text: "您",
    status: "confirmed", status_name: "已确认", grant_status_name: "审核中", can_confirm: false, end_reason: null,
    steps: [{ name: "数据比对", done: true }, { name: "意愿确认", done: true }, { name: "审核", done: false },
            { name: "拨付到账", done: false }],
  });
  assert.equal(view.status, "审核中");
  assert.equal(view.steps, "数据比对（已完成） → 意愿确认（已完成） → 审核 → 拨付到账");
  assert.equal(view.open, false);
  assert.equal(view.canConfirm, false);
  assert.equal(format.policyMatchView({ id: 8, policy: { title: "研发补助", benefit: "", mode_name: "快申快享" },
    subject_text: "您的企业“某公司”", status: "matched", status_name: "待确认", grant_status_name: null, can_confirm: false,
    can_apply: true, steps: [] }).canApply, true);
});

test("a 帮办 request offers the grant to confirm or end, withdrawing while open, and rating once closed", () => {
  const asked = { can_withdraw: true, can_rate: false, grants: [{ id: 1, state: "revoked" }, { id: 2, state: "pending" }] };
  assert.deepEqual(format.assistanceActions(asked), { pending: { id: 2, state: "pending" }, active: null,
                                                      withdraw: true, rate: false });
  const inForce = { can_withdraw: true, can_rate: false, grants: [{ id: 2, state: "active" }] };
  assert.equal(format.assistanceActions(inForce).active.id, 2);
  const closed = { can_withdraw: false, can_rate: true, grants: [{ id: 2, state: "ended" }] };
  assert.deepEqual(format.assistanceActions(closed), { pending: null, active: null, withdraw: false, rate: true });
});
