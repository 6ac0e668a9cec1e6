// The pages themselves, in Tencent's miniprogram-simulate, against a live Banshi (tests/test_miniprogram.py
// starts it, with its WeChat emulator, and says where in BANSHI_API, WECHAT_EMULATOR and BANSHI_FIXTURE).
// Each step asserts on the rendered WXML, and every field a page binds from API data must be in the answer.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const h = require("./harness.js");

const live = Boolean(h.API && process.env.BANSHI_FIXTURE);
const fixture = live ? JSON.parse(process.env.BANSHI_FIXTURE) : {};
const CITIZEN = "o-simulate-citizen";

test("a page binding a field the API does not return is caught", () => {
  const wxml = '<view wx:for="{{appointments}}" wx:key="id">{{item.centre_name}} {{item.window_nam}}</view>' +
               '<view>{{me.real_name || "未填写"}} {{error}}</view>';
  const data = { appointments: [{ centre_name: "东昌府区政务服务中心", window_name: "综合窗口" }],
                 me: { real_name: null }, error: "" };
  assert.deepEqual(h.bindingProblems(wxml, data, ["appointments", "me"]),
                   ['binds {{appointments[].window_nam}}: the data has no "window_nam"']);
  assert.deepEqual(h.bindingProblems(wxml.replace("window_nam", "window_name"), data, ["appointments", "me"]), []);
});

test("log in, verify, book, see the appointment, cancel it", { skip: !live && "no live server" }, async () => {
  await h.launch(CITIZEN);
  assert.match(h.state.storage["banshi.token"], /^bs_/);

  const me = await h.open("pages/me/index");
  assert.match(me.text(), /实名状态：未实名核验/);
  h.assertBindings(me, ["me", "sms"]);
  await h.tap(me, "onName", { detail: { value: "周模拟" } });
  await h.tap(me, "onIdNumber", { detail: { value: fixture.id_number } });
  await h.tap(me, "verify");
  assert.match(me.text(), /实名状态：已实名核验/);
  assert.match(me.text(), /核验成功/);
  assert.match(me.text(), /姓名：周模拟/);

  const book = await h.open(`pages/book/index?code=${fixture.item}`);
  assert.match(book.text(), new RegExp(`办理地点：${fixture.centre_name}`));
  // It opens on the centre's earliest day with a free seat, its slots listed, not on an empty date.
  assert.match(book.component.data.date, /^\d{4}-\d{2}-\d{2}$/);
  assert.ok(book.component.data.periods.morning.length + book.component.data.periods.afternoon.length > 0);
  h.assertBindings(book, ["centres"]);
  await h.tap(book, "pickDate", { detail: { value: fixture.day } });
  const first = book.component.data.periods.morning.find((slot) => !slot.full);
  assert.ok(first, "a free morning slot is listed");
  // One choice per start time: 09:00 at the general and the express window is one, seats in words, windows named.
  const nine = book.component.data.periods.morning.filter((slot) => slot.time === "09:00");
  assert.equal(nine.length, 1);
  assert.equal(nine[0].windows.length, 2);
  assert.match(book.text(), /上午\s*08:30 · 余2个号/);
  assert.match(book.text(), /09:00 · 余2个号窗口\d+（综合窗口，各类事项都能办） 余1个号；窗口\d+（快办窗口，简单的事当场办好） 余1个号/);
  await h.tap(book, "pickSlot", { currentTarget: { dataset: { id: first.id } } });
  await h.tap(book, "book");
  const link = h.lastNavigation();
  assert.match(link, /^\/pages\/appointments\/detail\?id=\d+$/);

  const detail = await h.open(link);
  assert.match(detail.text(), /状态：已预约/);
  assert.match(detail.text(), new RegExp(fixture.centre_name));
  h.assertBindings(detail, ["appointment"]);
  await h.tap(detail, "cancel");   // asked on the page, no pop-up; 不取消 leaves it booked
  assert.match(detail.text(), /确定取消这个预约吗？\s*是，取消预约\s*不取消/);
  await h.tap(detail, "keepAppointment");
  assert.match(detail.text(), /状态：已预约/);
  assert.doesNotMatch(detail.text(), /确定取消这个预约吗/);
  await h.tap(detail, "cancel");
  await h.tap(detail, "yesCancel");
  assert.match(detail.text(), /状态：已取消/);

  const list = await h.open("pages/appointments/index");
  assert.match(list.text(), /状态：已取消/);
  h.assertBindings(list, ["appointments"]);
});

test("网上申报 on the phone: only where a form exists, a photo per material, 先办后补 with a promise, a draft continued, submitted",
  { skip: !live && "no live server" }, async () => {
    await h.launch(CITIZEN);   // verified in the first test
    const plain = await h.open(`pages/items/index?code=${fixture.item}`);
    assert.doesNotMatch(plain.text(), /网上申报/);
    const item = await h.open(`pages/items/index?code=${fixture.review_item}`);
    h.assertBindings(item, ["item"]);
    assert.match(item.text(), /网上申报（在手机上填表、传材料）/);
    await h.tap(item, "file");
    assert.equal(h.lastNavigation(), `/pages/filing/index?code=${fixture.review_item}`);

    const page = await h.open(h.lastNavigation());
    assert.match(page.text(), new RegExp(`到哪个中心办理：${fixture.centre_name}`));   // the only one
    await h.tap(page, "start");
    h.assertBindings(page, ["filing"]);
    assert.match(page.text(), /原证书编号（必填，最多 60 字）/);
    assert.match(page.text(), /体检报告（可以先办、材料后补）/);
    assert.doesNotMatch(page.text(), /容缺|pickup|draft/);
    const value = (key, v) => h.tap(page, "onValue", { currentTarget: { dataset: { key } }, detail: { value: v } });
    await value("licence_number", "TS3715022020000123");
    await value("employer", "聊城市东昌府区热力公司");
    await value("hours", "3200");
    await h.tap(page, "onChoice", { currentTarget: { dataset: { key: "category" } }, detail: { value: "0" } });
    h.state.chosen.push([fixture.photos[0]]);
    await h.tap(page, "addFiles", { currentTarget: { dataset: { name: "原证书" } } });
    assert.match(page.text(), /已上传 1 个文件/);
    assert.match(page.text(), /“原证书”已上传，草稿已保存/);
    await h.tap(page, "toggleDefer", { currentTarget: { dataset: { name: "体检报告" } } });
    await h.tap(page, "chooseDelivery", { detail: { value: "pickup" } });
    await h.tap(page, "submit");
    assert.match(page.text(), /请写下您的承诺/);   // at the promise, nothing sent
    assert.equal(page.component.data.stage, "form");

    // Away and back from the item: the same draft goes on, with what was saved; no new empty one.
    const again = await h.open(`pages/filing/index?code=${fixture.review_item}`);
    assert.equal(again.component.data.filing.id, page.component.data.filing.id);
    assert.match(again.text(), /已上传 1 个文件/);
    assert.equal(again.component.data.values.employer, "聊城市东昌府区热力公司");
    assert.equal(again.component.data.delivery, "pickup");
    const list = await h.open("pages/filing/list");
    assert.match(list.text(), /特种设备作业人员证复审\s*状态：草稿，还没有提交/);
    await h.tap(list, "open", { currentTarget: { dataset: { id: again.component.data.filing.id } } });
    assert.equal(h.lastNavigation(), `/pages/filing/index?id=${again.component.data.filing.id}`);

    await h.tap(again, "toggleDefer", { currentTarget: { dataset: { name: "体检报告" } } });   // untick: still owed
    await h.tap(again, "submit");
    assert.match(again.text(), /请上传体检报告，或选择“先办、材料后补”/);
    await h.tap(again, "toggleDefer", { currentTarget: { dataset: { name: "体检报告" } } });
    await h.tap(again, "onPromise", { detail: { value: "承诺于10个工作日内补交体检报告" } });
    await h.tap(again, "submit");
    assert.match(again.text(), /已提交。受理编号：BS\d{8}-\w{6}/);
    await h.tap(again, "openCase");
    const opened = await h.open(h.lastNavigation());
    assert.match(opened.text(), /特种设备作业人员证复审 · 已提交/);
    const after = await h.open("pages/filing/list");
    assert.match(after.text(), /状态：已提交/);
    assert.match(after.text(), /受理编号 BS\d{8}-\w{6}，点此查看办理进度/);

    // 长辈模式: one step per screen, one main button; 下一步 saves the draft.
    await h.launch(CITIZEN, { fontSize: 24 });
    const elder = await h.open(`pages/filing/index?code=${fixture.review_item}`);
    await h.tap(elder, "start");
    assert.match(elder.text(), /第 1 步，共 3 步：填写表格/);
    assert.doesNotMatch(elder.text(), /上传材料|保存草稿|提交申报/);
    await h.tap(elder, "next");
    assert.match(elder.text(), /第 2 步，共 3 步：上传材料/);
    assert.doesNotMatch(elder.text(), /原证书编号/);
    await h.tap(elder, "next");
    assert.match(elder.text(), /第 3 步，共 3 步：怎么拿结果[\s\S]*提交申报/);
  });

test("补正 answered from the phone with a new photo: the case goes back to the window", { skip: !live && "no live server" },
  async () => {
    await h.launch(fixture.fixer_openid);
    const page = await h.open(`pages/applications/detail?ref=${fixture.correction_reference}`);
    h.assertBindings(page, ["application"]);
    assert.match(page.text(), /需要补正：原证书/);
    assert.match(page.text(), /原因：照片模糊，请重新拍摄/);
    const [fix] = page.component.data.corrections;
    await h.tap(page, "onNote", { currentTarget: { dataset: { id: fix.id } }, detail: { value: "已重新拍摄" } });
    h.state.chosen.push([fixture.photos[1]]);
    await h.tap(page, "answer", { currentTarget: { dataset: { id: fix.id } } });
    assert.match(page.text(), /补正材料已提交，窗口会尽快审核/);
    assert.doesNotMatch(page.text(), /需要补正/);
    assert.equal(page.component.data.application.status, "submitted");
  });

test("join the waitlist on a full day, get the held seat, confirm it", { skip: !live && "no live server" }, async () => {
  await h.launch(CITIZEN);
  const book = await h.open(`pages/book/index?code=${fixture.item}`);
  await h.tap(book, "pickDate", { detail: { value: fixture.full_day } });
  assert.match(book.text(), /这一天已约满/);
  // Each full time is listed greyed, says so in words, and has nothing to tap.
  assert.match(book.text(), /09:00 · 已约满，不能预约/);
  assert.match(book.component.dom.innerHTML, /class="[^"]*full/);
  assert.ok(book.component.data.periods.morning.every((time) => time.full && time.id === null));
  await h.tap(book, "pickSlot", { currentTarget: { dataset: { id: null } } });
  assert.equal(book.component.data.slotId, null);
  await h.tap(book, "joinWaitlist");
  assert.equal(h.lastNavigation(), "/pages/waitlist/index");
  let waitlist = await h.open("pages/waitlist/index");
  assert.match(waitlist.text(), /状态：候补中 前面还有 0 人/);
  h.assertBindings(waitlist, ["entries"]);

  // Someone with a booking that day cancels it, on their own phone.
  await h.launch(fixture.holder_openid);
  const theirs = await h.open(`pages/appointments/detail?id=${fixture.holder_appointment}`);
  await h.tap(theirs, "cancel");
  await h.tap(theirs, "yesCancel");
  assert.match(theirs.text(), /状态：已取消/);

  await h.launch(CITIZEN);
  waitlist = await h.open("pages/waitlist/index?offer=0");
  assert.match(waitlist.text(), /状态：候补成功，待确认/);
  assert.match(waitlist.text(), /已为您保留 .*10:00.*的号，请在 \d\d:\d\d 前确认/);
  const offer = waitlist.component.data.entries[0].offerId;
  await h.tap(waitlist, "confirm", { currentTarget: { dataset: { id: offer } } });
  const booked = await h.open(h.lastNavigation());
  assert.match(booked.text(), /状态：已预约/);
});

test("长辈模式: large-font WeChat gets three actions and slots by the hour", { skip: !live && "no live server" },
  async () => {
    await h.launch(CITIZEN, { fontSize: 24 });
    const home = await h.open("pages/index/index");
    const text = home.text();
    for (const action of ["预约办事", "我的预约", "办件进度"]) assert.match(text, new RegExp(action));
    assert.doesNotMatch(text, /办事指南|诉求与评价/);
    const book = await h.open(`pages/book/index?code=${fixture.item}`);
    await h.tap(book, "pickDate", { detail: { value: fixture.day } });
    assert.match(book.text(), /最早可约：\d\d:\d\d · 一键预约/);
    assert.match(book.text(), /上午9点/);
    assert.match(book.text(), /余\d+个号/);
  });

test("证照 and 现场取号 render what the API returns", { skip: !live && "no live server" }, async () => {
  await h.launch(CITIZEN);
  const licences = await h.open("pages/licences/index");
  assert.match(licences.text(), new RegExp(`${fixture.licence_type}`));
  assert.match(licences.text(), /还有 \d+ 天到期/);
  assert.match(licences.text(), /电子证照 · 特种设备安全管理和作业人员证/);
  h.assertBindings(licences, ["licences", "certificates"]);
  const certificate = await h.open(`pages/licences/certificate?id=${fixture.certificate_id}`);
  assert.match(certificate.text(), /状态：有效/);
  assert.match(certificate.text(), /出示此二维码/);
  h.assertBindings(certificate, ["certificate"]);
  // 保存PDF: the printable copy downloaded with the bearer header and opened in WeChat's reader.
  await h.tap(certificate, "savePdf");
  const pdf = h.state.opened.pop();
  assert.equal(pdf.via, "openDocument");
  assert.equal(pdf.fileType, "pdf");
  assert.equal(require("node:fs").readFileSync(pdf.filePath).subarray(0, 5).toString(), "%PDF-");
  assert.match(certificate.text(), /已打开可打印的证照/);
  const tickets = await h.open(`pages/tickets/index?item=${fixture.item}`);
  h.assertBindings(tickets, ["centres"]);
  await h.tap(tickets, "take");
  assert.match(tickets.text(), /您的号码\s*[A-D]\d{3}/);
  h.assertBindings(tickets, ["ticket"]);
});

test("一件事: one case per item under one, each with its department and state", { skip: !live && "no live server" },
  async () => {
    await h.launch(fixture.holder_openid);
    const bundle = await h.open(`pages/bundles/detail?ref=${fixture.bundle_reference}`);
    assert.match(bundle.text(), /残疾人证跨省通办一件事/);
    assert.match(bundle.text(), /进度：办理中/);
    assert.match(bundle.text(), /跨省通办受理地：河南省/);
    assert.match(bundle.text(), /残疾人证办理（残疾人联合会）· 已提交/);
    assert.doesNotMatch(bundle.text(), /评价这件事/);
    h.assertBindings(bundle, ["bundle"]);
    const child = await h.open(`pages/applications/detail?ref=${fixture.bundle_child}`);
    assert.match(child.text(), new RegExp(`属于一件事 ${fixture.bundle_reference}`));
    assert.doesNotMatch(child.text(), /评价办件服务/);
    h.assertBindings(child, ["application"]);
  });

test("政策快享: the found policy, why, a search in one's own words, 免申即享 confirmed", { skip: !live && "no live server" },
  async () => {
    await h.launch(fixture.policy_openid);
    const list = await h.open("pages/policies/index");
    assert.match(list.text(), /为您找到的政策/);
    assert.match(list.text(), /80周岁以上高龄津贴（免申即享）/);
    h.assertBindings(list, ["policies", "categories", "matches"]);
    await h.tap(list, "onInput", { detail: { value: "我是残疾人有什么补贴" } });
    await h.tap(list, "search");
    assert.match(list.text(), /重度残疾人护理补贴/);
    assert.doesNotMatch(list.text(), /小微企业房租补贴/);

    const detail = await h.open(`pages/policies/detail?id=${fixture.policy_id}`);
    h.assertBindings(detail, ["policy", "results"]);
    assert.match(detail.text(), /您：符合条件/);
    assert.match(detail.text(), /符合：年龄不低于80岁（您的年龄为86岁）/);

    const match = await h.open(`pages/policies/match?id=${fixture.policy_match}`);
    assert.match(match.text(), /您：待确认/);
    assert.match(match.text(), /数据比对（已完成） → 意愿确认 → 审核 → 拨付到账/);
    await h.tap(match, "onAccountName", { detail: { value: "孙秀英" } });
    await h.tap(match, "onBank", { detail: { value: "中国农业银行聊城分行" } });
    await h.tap(match, "onAccountNumber", { detail: { value: "62284800123" } });
    await h.tap(match, "confirm");
    assert.match(match.text(), /已确认，办件号ZC\d{8}-\w{6}，审核中/);
    assert.match(match.text(), /您：审核中/);
    assert.doesNotMatch(match.text(), /确认享受/);
  });

test("分支机构批量变更: each branch with its state in words, a branch at 补正 opens its own case",
  { skip: !live && "no live server" }, async () => {
    await h.launch(fixture.representative_openid);
    const page = await h.open(`pages/businesses/branches?business_id=${fixture.business_id}&ref=${fixture.branch_filing}`);
    assert.match(page.text(), /两家门店经营范围变更/);
    assert.match(page.text(), /进度：有分支机构待补正/);
    assert.match(page.text(), /周记餐饮东关分店 · 待补正/);
    assert.match(page.text(), /周记餐饮西关分店 · 已办结（不予许可）/);
    assert.match(page.text(), /两家门店经营范围变更 · 2个分支机构 · 有分支机构待补正/);
    // A new filing's item is picked by its name from the business items, never typed as a code.
    assert.match(page.text(), /办理事项：请点这里选择/);
    assert.doesNotMatch(page.text(), /事项编码/);
    const at = page.component.data.items.findIndex((item) => item.name === "分支机构变更登记（批量）");
    assert.ok(at >= 0);
    await h.tap(page, "pickItem", { detail: { value: String(at) } });
    assert.match(page.text(), /办理事项：分支机构变更登记（批量）/);
    assert.match(page.text(), /办理地点：/);
    h.assertBindings(page, ["filing", "filings", "items"]);
    const branch = await h.open(`pages/applications/detail?ref=${fixture.branch_child}`);
    assert.match(branch.text(), /分支机构批量变更：两家门店经营范围变更/);
    assert.match(branch.text(), /待补正/);
    h.assertBindings(branch, ["application"]);
  });

test("重点项目: the business's project as a timeline per stage, late and done milestones in words, linked cases",
  { skip: !live && "no live server" }, async () => {
    await h.launch(fixture.representative_openid);
    const page = await h.open(`pages/businesses/projects?business_id=${fixture.business_id}`);
    assert.match(page.text(), /周记中央厨房项目/);
    assert.match(page.text(), /当前阶段：用地，1个节点已超期/);
    assert.match(page.text(), /项目备案 · 目标2026-11-10 · 已完成/);
    assert.match(page.text(), /建设用地规划许可 · 目标2026-11-20 · 已超期，包保领导和服务专员正在督办/);
    assert.match(page.text(), new RegExp(`办件${fixture.project_case}`));
    assert.match(page.text(), /竣工验收/);
    h.assertBindings(page, ["projects"]);
  });

test("我的企业: the representative ends an agent's authorisation, and the agent then acts for the business no more",
  { skip: !live && "no live server" }, async () => {
    await h.launch(fixture.agent_openid);
    const before = await h.open("pages/businesses/index");
    assert.match(before.text(), /聊城市周记餐饮有限公司/);
    assert.match(before.text(), /经办人（窗口核验），授权有效期至\d{4}-\d{2}-\d{2}/);
    h.assertBindings(before, ["businesses"]);

    await h.launch(fixture.representative_openid);
    const page = await h.open("pages/businesses/index");
    assert.match(page.text(), /法定代表人（登记信息比对）/);
    await h.tap(page, "open", { currentTarget: { dataset: { id: fixture.business_id } } });
    assert.match(page.text(), /吴\*\* · 经办人 · 有效至 \d{4}-\d{2}-\d{2}/);
    assert.match(page.text(), /尚未登记。免申即享的资金只发放到这里登记的企业账户/);
    h.assertBindings(page, ["businesses", "links", "payout"]);
    const agent = page.component.data.links.find((link) => link.role === "agent");
    await h.tap(page, "end", { currentTarget: { dataset: { id: agent.id } } });
    assert.match(page.text(), /请先填写结束授权的原因/);
    await h.tap(page, "onReason", { currentTarget: { dataset: { id: agent.id } }, detail: { value: "已离职" } });
    assert.match(page.text(), /3\/200/);
    await h.tap(page, "end", { currentTarget: { dataset: { id: agent.id } } });
    assert.match(page.text(), /吴\*\* · 经办人 · 已结束（已离职）/);
    assert.match(page.text(), /已结束该经办人的授权，对方已收到通知/);
    await h.tap(page, "onBank", { detail: { value: "中国银行聊城分行" } });
    await h.tap(page, "onAccountNumber", { detail: { value: "6013820000000009504" } });
    await h.tap(page, "savePayout");
    assert.match(page.text(), /聊城市周记餐饮有限公司，中国银行聊城分行，\*\*\*\*9504/);

    await h.launch(fixture.agent_openid);
    const after = await h.open("pages/businesses/index");
    assert.match(after.text(), /您还没有可以代表办事的企业/);
    const gone = await h.open(`pages/businesses/detail?id=${fixture.business_id}`);
    assert.match(gone.text(), /没有找到该市场主体，或您不是它的法定代表人或经办人/);
    assert.equal(gone.component.data.business, null);
  });

test("no rating level and no revisit answer is chosen for the citizen", async () => {
  // 国办 2019 好差评: nothing may interfere with the rating, so no level starts ticked and nothing is sent
  // until the citizen chooses one.
  const rate = await h.open("pages/feedback/index?rate=appointment&id=1");
  assert.equal(rate.component.data.level, null);
  const radios = Array.from(rate.component.dom.querySelectorAll("radio, wx-radio"));
  assert.equal(radios.length, 5, "the five levels are offered");
  assert.deepEqual(radios.filter((r) => r.getAttribute("checked") === "true" || r.checked === true), []);
  await h.tap(rate, "submit");
  assert.match(rate.text(), /请选择您的满意程度/);
  assert.equal(rate.component.data.done, "");

  const revisit = fs.readFileSync(path.join(__dirname, "..", "..", "pages", "ratings", "rectification.wxml"), "utf8");
  const answers = revisit.match(/<button[^>]*data-satisfied[^>]*>/g);
  assert.equal(answers.length, 2);
  assert.ok(answers.every((b) => !/type="primary"/.test(b)), "neither revisit answer is put forward");
});

test("我的数据: the copy built for me downloaded and opened, a new one asked for, and who viewed my case",
  { skip: !live && "no live server" }, async () => {
    await h.launch(fixture.holder_openid);
    const me = await h.open("pages/me/index");
    assert.match(me.text(), /我的数据（导出个人信息副本、查询记录）/);
    const page = await h.open("pages/mydata/index");
    assert.match(page.text(), /状态：已完成/);
    assert.match(page.text(), /下载截止：\d+月\d+日（周.）\d\d:\d\d（北京时间）/);
    h.assertBindings(page, ["exports", "accesses"]);
    const [built] = page.component.data.exports;
    assert.equal(built.id, fixture.holder_export);

    const json = built.files.find((file) => file.format === "json");
    await h.tap(page, "download", { currentTarget: { dataset: { id: built.id, url: json.url, format: "json" } } });
    const shared = h.state.opened.pop();
    assert.equal(shared.via, "shareFileMessage");
    assert.equal(shared.fileName, `banshi-mydata-${built.id}.json`);
    const data = JSON.parse(fs.readFileSync(shared.filePath, "utf8"));
    assert.equal(data.profile.real_name, "李持");
    assert.deepEqual(data.bookings.map((booking) => booking.id), [fixture.holder_appointment]);
    const pdf = built.files.find((file) => file.format === "pdf");
    await h.tap(page, "download", { currentTarget: { dataset: { id: built.id, url: pdf.url, format: "pdf" } } });
    const opened = h.state.opened.pop();
    assert.equal(opened.via, "openDocument");
    assert.equal(fs.readFileSync(opened.filePath).subarray(0, 4).toString(), "%PDF");

    // 查询记录: the clerk who opened her case, masked, with role and centre.
    assert.match(page.text(), /查询记录（工作人员查看您信息的记录，共1条）/);
    assert.match(page.text(), new RegExp(`${fixture.centre_name} 窗口工作人员 王\\*`));
    assert.match(page.text(), /查看了您的办件/);

    await h.tap(page, "requestExport");
    assert.match(page.text(), /已申请/);
    assert.match(page.text(), /状态：排队中/);
    await h.tap(page, "requestExport");
    assert.match(page.text(), /您已有一份数据正在生成/);
    await h.tap(page, "refresh");   // 刷新: the list again from the server, the queued copy on it
    assert.deepEqual(page.component.data.exports.map((e) => e.state_name), ["排队中", "已完成"]);
  });

test("ask for a helper from an item's guide, follow the request, withdraw it", { skip: !live && "no live server" },
     async () => {
  await h.launch(CITIZEN);
  const guide = await h.open(`pages/items/index?code=${fixture.item}`);
  await h.tap(guide, "askForHelp");
  const link = h.lastNavigation();
  assert.equal(link, `/pages/assistance/index?code=${fixture.item}`);
  const ask = await h.open(link);
  assert.match(ask.text(), new RegExp(`服务中心：${fixture.centre_name}`));
  h.assertBindings(ask, ["centres", "requests"]);
  await h.tap(ask, "onSituation", { detail: { value: "不会在手机上预约，想请人帮忙" } });
  await h.tap(ask, "ask");
  assert.match(ask.text(), /已提交。帮办员会在 \d+月\d+日（周.） 前打电话联系您/);
  assert.match(ask.text(), /我的帮办请求/);
  const [mine] = ask.component.data.requests;
  assert.equal(mine.status_name, "已提交");

  const detail = await h.open(`pages/assistance/detail?id=${mine.id}`);
  assert.match(detail.text(), /状态：已提交/);
  assert.match(detail.text(), /正在安排帮办员/);
  assert.match(detail.text(), /提交帮办请求/);
  h.assertBindings(detail, ["request"]);
  await h.tap(detail, "withdraw");   // asked on the page, no pop-up
  assert.match(detail.text(), /确定撤回这个帮办请求吗？/);
  await h.tap(detail, "notNow");
  assert.doesNotMatch(detail.text(), /确定撤回/);
  assert.match(detail.text(), /状态：已提交/);
  await h.tap(detail, "withdraw");
  await h.tap(detail, "yesWithdraw");
  assert.match(detail.text(), /状态：已撤回/);
  assert.match(detail.text(), /您已撤回请求/);
});

test("找回: a request a 代办点 desk wrote down with his ID number becomes his, once; then he follows it",
  { skip: !live && "no live server" }, async () => {
    await h.resume(fixture.holder_openid);
    const page = await h.open("pages/assistance/index");
    assert.match(page.text(), /在村里、银行的代办点登记过？/);
    assert.doesNotMatch(page.text(), /想办残疾人证/);
    await h.tap(page, "claim");
    assert.match(page.text(), /已找回 1 件/);
    assert.match(page.text(), /想办残疾人证，不会用手机/);
    h.assertBindings(page, ["centres", "requests"]);
    await h.tap(page, "claim");
    assert.match(page.text(), /没有找到代办点为您登记的求助/);
    const [claimed] = page.component.data.requests;
    const detail = await h.open(`pages/assistance/detail?id=${claimed.id}`);
    assert.match(detail.text(), /代办点代为登记/);
    assert.match(detail.text(), /您已在小程序找回这件求助/);
  });

test("我的企业 as its agent: the business's 电子证照, a batch's members and outcomes, a mailed result's tracking",
  { skip: !live && "no live server" }, async () => {
    await h.launch(fixture.batch_agent_openid);
    const me = await h.open("pages/me/index");
    assert.match(me.text(), /我的企业（证照、申报、批量办理、经办人与收款账户）/);
    const list = await h.open("pages/businesses/index");
    assert.match(list.text(), /怎样成为企业经办人/);
    assert.doesNotMatch(list.text(), /先去实名核验/);   // verified: nothing to do first
    await h.tap(list, "openDetail", { currentTarget: { dataset: { id: fixture.batch_business_id } } });
    assert.equal(h.lastNavigation(), `/pages/businesses/detail?id=${fixture.batch_business_id}`);

    const page = await h.open(h.lastNavigation());
    const text = page.text();
    assert.match(text, /聊城市周记餐饮有限公司/);
    assert.match(text, /您是：经办人（授权有效期至\d{4}-\d{2}-\d{2}）/);
    assert.match(text, /电子证照 · 食品经营许可证/);
    assert.match(text, /还没有以这家企业名义网上申报的事项/);
    assert.match(text, /2026年员工证件复审/);
    assert.match(text, /共 2 人：已邮寄 1 人，已提交 1 人/);
    assert.match(text, /小微企业房租补贴/);   // its own 政策快享 match (数据比对), not the citizen's
    assert.doesNotMatch(text, /mailed|submitted|undefined|null/);
    h.assertBindings(page, ["business", "certificates", "filings", "matches", "batches"]);
    assert.doesNotMatch(text, /张\*\*/);   // the names open on a tap
    await h.tap(page, "toggleBatch", { currentTarget: { dataset: { ref: fixture.batch_reference } } });
    assert.match(page.text(), /张\*\* · 已邮寄 · 受理编号 BS/);
    assert.match(page.text(), /李\*\* · 已提交/);
    await h.tap(page, "openCertificate", { currentTarget: { dataset: { id: page.component.data.certificates[0].id } } });
    assert.match(h.lastNavigation(), /^\/pages\/licences\/certificate\?id=\d+$/);
    await h.tap(page, "openMatch", { currentTarget: { dataset: { id: page.component.data.matches[0].id } } });
    assert.match(h.lastNavigation(), /^\/pages\/policies\/match\?id=\d+$/);

    await h.tap(page, "openCase", { currentTarget: { dataset: { ref: fixture.mailed_reference } } });
    const detail = await h.open(h.lastNavigation());
    assert.match(detail.text(), /已邮寄/);
    assert.match(detail.text(), /结果邮寄：已寄出，正在派送/);
    assert.match(detail.text(), new RegExp(`属于批量办理“2026年员工证件复审”（批次号 ${fixture.batch_reference}）`));
    assert.match(detail.text(), /快递公司：中国邮政EMS/);
    assert.match(detail.text(), /运单号：1190012345678/);
    h.assertBindings(detail, ["application", "delivery"]);
    await h.tap(detail, "copyTracking");
    assert.equal(h.state.clipboard, "1190012345678");
    assert.match(detail.text(), /运单号已复制/);

    // 长辈模式 (a large WeChat font): the same pages in large type.
    await h.launch(fixture.batch_agent_openid, { fontSize: 24 });
    for (const url of [`pages/businesses/detail?id=${fixture.batch_business_id}`, "pages/businesses/index",
                       `pages/applications/detail?ref=${fixture.mailed_reference}`]) {
      const opened = await h.open(url);
      assert.equal(opened.component.data.elder, true, url);
      assert.match(opened.component.dom.innerHTML, /class="[^"]*elder/, url);
    }
  });

test("我的办件 from 我的: the case opens, a 先办后补 material reported as sent, 远程踏勘 photos and a short video per line",
  { skip: !live && "no live server" }, async () => {
    await h.launch(fixture.farm_openid);
    const me = await h.open("pages/me/index");
    assert.match(me.text(), /我的办件（办理进度、材料后补、远程踏勘）/);
    const list = await h.open("pages/applications/index");
    assert.match(list.text(), /设施农用地备案\s*状态：已受理，材料后补/);
    assert.match(list.text(), new RegExp(`受理编号 ${fixture.farm_reference}`));
    assert.doesNotMatch(list.text(), /容缺|accepted/);
    h.assertBindings(list, ["cases", "bundles"]);
    await h.tap(list, "open", { currentTarget: { dataset: { ref: fixture.farm_reference } } });
    assert.equal(h.lastNavigation(), `/pages/applications/detail?ref=${fixture.farm_reference}`);

    const page = await h.open(h.lastNavigation());
    h.assertBindings(page, ["application"]);
    assert.match(page.text(), /设施农用地备案 · 已受理，材料后补/);
    assert.match(page.text(), /材料后补：村委会意见，请在 2026-12-07 前补交/);
    assert.match(page.text(), /0\/200 字/);
    assert.doesNotMatch(page.text(), /容缺/);
    const [owe] = page.component.data.owed;
    await h.tap(page, "onReport", { currentTarget: { dataset: { id: owe.id } }, detail: { value: "已邮寄，顺丰SF1234" } });
    assert.match(page.text(), /12\/200 字/);
    await h.tap(page, "report", { currentTarget: { dataset: { id: owe.id } } });
    assert.match(page.text(), /已告诉窗口您已补交“村委会意见”，窗口收到后会确认/);
    assert.match(page.text(), /已告诉窗口您已补交，等待窗口确认收到/);
    assert.match(page.text(), /申请人已补交材料\s*村委会意见：已邮寄，顺丰SF1234/);
    assert.doesNotMatch(page.text(), /我已补交“村委会意见”/);

    await h.tap(page, "openInspection");
    assert.equal(h.lastNavigation(), `/pages/applications/inspection?ref=${fixture.farm_reference}`);
    const visit = await h.open(h.lastNavigation());
    h.assertBindings(visit, ["inspection", "view"]);
    assert.match(visit.text(), /视频踏勘时间：11月24日 10:00–10:30/);
    assert.match(visit.text(), /状态：待踏勘/);
    assert.match(visit.text(), /1\. 用地四至与备案图一致\s*还没有上传/);
    await h.tap(visit, "copyLink");
    assert.equal(h.state.clipboard, "https://video.liaocheng.gov.cn/room/9530");
    h.state.chosen.push([fixture.photos[0], fixture.photos[1]]);
    await h.tap(visit, "send", { currentTarget: { dataset: { key: "boundary" } } });
    assert.deepEqual(h.state.chooseOptions.mediaType, ["image", "video"]);
    assert.match(visit.text(), /1\. 用地四至与备案图一致\s*已上传 2 个照片或视频/);
    assert.match(visit.text(), /“用地四至与备案图一致”已上传/);
    h.state.chosen.push([fixture.clip]);
    await h.tap(visit, "send", { currentTarget: { dataset: { key: "use" } } });
    assert.match(visit.text(), /2\. 实际用途为农业设施\s*已上传 1 个照片或视频/);
    assert.equal(visit.component.data.inspection.lines[1].file_ids.length, 1);
    h.state.chosen.push([]);   // the citizen closes the picker: nothing is sent
    await h.tap(visit, "send", { currentTarget: { dataset: { key: "use" } } });
    assert.equal(visit.component.data.inspection.lines[1].file_ids.length, 1);
    assert.equal(visit.component.data.error, "");

    // 长辈模式 (a large WeChat font): the new pages in large type.
    await h.launch(fixture.farm_openid, { fontSize: 24 });
    for (const url of ["pages/applications/index", `pages/applications/inspection?ref=${fixture.farm_reference}`]) {
      const opened = await h.open(url);
      assert.equal(opened.component.data.elder, true, url);
      assert.match(opened.component.dom.innerHTML, /class="[^"]*elder/, url);
    }
  });

test("改约: another time the same day for the same item, the old seat given back", { skip: !live && "no live server" },
  async () => {
    await h.launch(fixture.mover_openid);
    const page = await h.open(`pages/appointments/detail?id=${fixture.mover_appointment}`);
    assert.match(page.text(), /11月24日（周二）09:30/);
    await h.tap(page, "startMove");
    assert.match(page.text(), /改约：还在.*办理“.+”，只换时间/);
    assert.doesNotMatch(page.text(), /确认改约/);   // no day chosen yet, nothing offered
    await h.tap(page, "move");
    assert.equal(page.component.data.slotId, null);
    await h.tap(page, "pickDate", { detail: { value: fixture.day } });
    const offered = page.component.data.slots;
    assert.ok(offered.length > 0);
    assert.ok(offered.every((slot) => !/09:30–/.test(slot.label)), "not the time it already has");
    assert.doesNotMatch(page.text(), /（已选）/);   // nothing picked for the citizen
    await h.tap(page, "move");
    assert.match(page.text(), /请选择新的时间/);
    const later = offered.find((slot) => /下午 14:00/.test(slot.label));
    assert.ok(later, "an afternoon time is offered");
    await h.tap(page, "pickSlot", { currentTarget: { dataset: { id: later.id } } });
    assert.match(page.text(), /下午 14:00–14:15 .*（已选）/);
    await h.tap(page, "move");
    const link = h.lastNavigation();
    assert.match(link, /^\/pages\/appointments\/detail\?id=\d+$/);
    assert.notEqual(link, `/pages/appointments/detail?id=${fixture.mover_appointment}`);
    const moved = await h.open(link);
    assert.match(moved.text(), /11月24日（周二）14:00/);
    assert.match(moved.text(), /状态：已预约/);
    h.assertBindings(moved, ["appointment"]);
    const old = await h.open(`pages/appointments/detail?id=${fixture.mover_appointment}`);
    assert.match(old.text(), /状态：已取消/);
    assert.doesNotMatch(old.text(), /改约到其他时间/);
  });

test("一件事 from the home page: the bundles offered, one's own, a visit for all items booked at once",
  { skip: !live && "no live server" }, async () => {
    await h.launch(fixture.holder_openid);
    const home = await h.open("pages/index/index");
    assert.match(home.text(), /一件事（几件事一次办）/);
    await h.tap(home, "open", { currentTarget: { dataset: { url: "/pages/bundles/index" } } });
    const list = await h.open(h.lastNavigation());
    assert.match(list.text(), /残疾人证跨省通办一件事/);
    assert.match(list.text(), /包括：卫生健康领域“一件事”跨省通办（卫生健康委员会（残疾评定））、残疾人证办理（残疾人联合会）/);
    assert.match(list.text(), /我的一件事\s*残疾人证跨省通办一件事\s*进度：办理中/);
    h.assertBindings(list, ["offers", "mine"]);
    await h.tap(list, "openCase", { currentTarget: { dataset: { ref: fixture.bundle_reference } } });
    assert.equal(h.lastNavigation(), `/pages/bundles/detail?ref=${fixture.bundle_reference}`);
    await h.tap(list, "file", { currentTarget: { dataset: { code: "KSCJ" } } });
    assert.equal(h.lastNavigation(), "/pages/filing/index?bundle=KSCJ");
    await h.tap(list, "book", { currentTarget: { dataset: { code: "KSCJ" } } });
    assert.equal(h.lastNavigation(), "/pages/bundles/book?code=KSCJ");

    const book = await h.open(h.lastNavigation());
    h.assertBindings(book, ["bundle", "centres"]);
    assert.match(book.text(), /一次到中心办完：卫生健康领域“一件事”跨省通办、残疾人证办理/);
    assert.match(book.text(), new RegExp(`到哪个中心办理：${fixture.centre_name}`));   // the only one that does both
    assert.match(book.text(), /日期：请选择/);
    await h.tap(book, "book");
    assert.match(book.text(), /请选择日期/);
    await h.tap(book, "pickDate", { detail: { value: fixture.day } });
    const starts = book.component.data.starts;
    assert.ok(starts.length > 0, "starts are offered");
    assert.doesNotMatch(book.text(), /（已选）/);
    await h.tap(book, "book");
    assert.match(book.text(), /请选择时间/);
    await h.tap(book, "pickStart", { currentTarget: { dataset: { id: starts[0].id } } });
    assert.match(book.text(), /（已选）/);
    await h.tap(book, "book");
    const link = h.lastNavigation();
    assert.match(link, /^\/pages\/appointments\/detail\?id=\d+$/);
    const booked = await h.open(link);
    assert.match(booked.text(), /状态：已预约/);
    assert.match(booked.text(), /办理事项：卫生健康领域“一件事”跨省通办、残疾人证办理/);
    assert.deepEqual(booked.component.data.appointment.items.map((i) => i.name),
                     ["卫生健康领域“一件事”跨省通办", "残疾人证办理"]);

    // 我的办件 lists the 一件事 above the single cases, each child case saying which 一件事 it belongs to.
    const cases = await h.open("pages/applications/index");
    assert.match(cases.text(), /一件事\s*残疾人证跨省通办一件事\s*包括：卫生健康领域“一件事”跨省通办、残疾人证办理/);
    assert.match(cases.text(), new RegExp(`属于一件事 ${fixture.bundle_reference}`));
    h.assertBindings(cases, ["cases", "bundles"]);
    await h.tap(cases, "openBundle", { currentTarget: { dataset: { ref: fixture.bundle_reference } } });
    assert.equal(h.lastNavigation(), `/pages/bundles/detail?ref=${fixture.bundle_reference}`);

    await h.launch(fixture.holder_openid, { fontSize: 24 });
    for (const url of ["pages/bundles/index", "pages/bundles/book?code=KSCJ"]) {
      const opened = await h.open(url);
      assert.equal(opened.component.data.elder, true, url);
      assert.match(opened.component.dom.innerHTML, /class="[^"]*elder/, url);
    }
  });

// Logins are limited per address (30 a minute) and this file already launches often: the tests below launch once
// each and turn 长辈模式 on with the citizen's own switch on the home page instead of a second launch.
async function elderSwitch(on) {
  const home = await h.open("pages/index/index");
  if (home.component.data.elder !== on) await h.tap(home, "toggleElder");
  assert.equal(home.component.data.elder, on);
}

test("亲友代办: a relative's bookings, cases and licences from 查看记录, and plain words once the authorisation ends",
  { skip: !live && "no live server" }, async () => {
    await h.launch(fixture.delegate_openid);
    const list = await h.open("pages/relatives/index");
    assert.match(list.text(), /查看王持证的预约、办件和证照/);
    assert.doesNotMatch(list.text(), /查看孙秀英的/);   // 代为预约 only: nothing to view
    await h.tap(list, "records", { currentTarget: { dataset: { id: fixture.view_authorisation, name: "王持证" } } });
    assert.equal(h.lastNavigation(),
                 `/pages/relatives/records?id=${fixture.view_authorisation}&name=${encodeURIComponent("王持证")}`);

    const records = await h.open(h.lastNavigation());
    const text = records.text();
    assert.match(text, /王持证的记录（您只能查看，不能替其修改）/);
    assert.equal(records.component.data.appointments.length > 0, !/没有预约记录/.test(text));
    assert.match(text, /特种设备作业人员证复审\s*状态：已办结/);
    assert.match(text, /电子证照 · /);
    assert.match(text, new RegExp(`${fixture.licence_type}\\s*证号：JY13715000000077`));
    assert.doesNotMatch(text, new RegExp(fixture.id_number));   // the relative's ID number is never shown
    assert.doesNotMatch(text, /授权已经结束/);
    h.assertBindings(records, ["appointments", "cases", "licences", "certificates"]);
    assert.ok(records.component.data.cases.length > 0 && records.component.data.licences.length > 0);

    // 代为预约 only: the page says what the authorisation does not cover.
    const narrow = await h.open(`pages/relatives/records?id=${fixture.book_authorisation}&name=${encodeURIComponent("孙秀英")}`);
    assert.match(narrow.text(), /孙秀英授权您办的事里不包括“查看办件与证照”，所以这里看不到其记录/);
    assert.doesNotMatch(narrow.text(), /没有办件记录/);

    await elderSwitch(true);
    const large = await h.open(`pages/relatives/records?id=${fixture.view_authorisation}&name=${encodeURIComponent("王持证")}`);
    assert.equal(large.component.data.elder, true);
    assert.match(large.component.dom.innerHTML, /class="[^"]*elder/);

    await elderSwitch(false);

    // The delegate revokes it: the same page now says the authorisation has ended, and shows none of the records.
    const again = await h.open("pages/relatives/index");
    await h.tap(again, "revoke", { currentTarget: { dataset: { id: fixture.view_authorisation } } });
    assert.doesNotMatch(again.text(), /查看王持证的预约、办件和证照/);
    const ended = await h.open(`pages/relatives/records?id=${fixture.view_authorisation}&name=${encodeURIComponent("王持证")}`);
    assert.match(ended.text(), /您对王持证的代办授权已经结束（已撤销或已过期），不能再查看其预约、办件和证照/);
    assert.doesNotMatch(ended.text(), /特种设备作业人员证复审|JY13715000000077/);
  });

test("政策订阅 from 政策快享: nothing ticked beyond what the server says, saved with a confirmation",
  { skip: !live && "no live server" }, async () => {
    await h.launch(fixture.policy_openid);
    const policies = await h.open("pages/policies/index");
    assert.match(policies.text(), /有新政策时告诉我（选择政策类别）/);
    await h.tap(policies, "subscriptions");
    assert.equal(h.lastNavigation(), "/pages/policies/subscriptions");

    // Each box is ticked from the server's answer only (the simulator's DOM does not reflect `checked`: the
    // template is read for it, the rows it binds are asserted).
    const wxml = fs.readFileSync(path.join(__dirname, "..", "..", "pages", "policies", "subscriptions.wxml"), "utf8");
    assert.deepEqual(wxml.match(/<checkbox\s[^>]*>/g), ['<checkbox value="{{row.name}}" checked="{{row.checked}}" />']);
    const page = await h.open(h.lastNavigation());
    h.assertBindings(page, ["rows"]);
    assert.ok(page.component.data.rows.length >= 8, "every category the server offers");
    assert.match(page.text(), /养老服务/);
    assert.deepEqual(page.component.data.rows.filter((r) => r.checked), []);
    assert.equal(page.component.dom.querySelectorAll("wx-checkbox").length, page.component.data.rows.length);
    await h.tap(page, "onTick", { detail: { value: ["助残帮扶", "养老服务"] } });
    await h.tap(page, "save");
    assert.match(page.text(), /已保存。有新的“养老服务”“助残帮扶”政策发布时，会在“消息”里告诉您/);

    const reopened = await h.open("pages/policies/subscriptions");
    assert.deepEqual(reopened.component.data.rows.filter((r) => r.checked).map((r) => r.name), ["养老服务", "助残帮扶"]);
    await h.tap(reopened, "onTick", { detail: { value: [] } });
    await h.tap(reopened, "save");
    assert.match(reopened.text(), /已保存。新政策发布时不再单独告诉您/);
    assert.deepEqual(reopened.component.data.rows.filter((r) => r.checked), []);

    await elderSwitch(true);
    const large = await h.open("pages/policies/subscriptions");
    assert.match(large.component.dom.innerHTML, /class="[^"]*elder/);
    await elderSwitch(false);
  });

test("智能导服 lists every scenario to browse besides the search; a tap starts its interview",
  { skip: !live && "no live server" }, async () => {
    // The list is public: no login of its own.
    await elderSwitch(false);
    const guide = await h.open("pages/guide/index");
    assert.match(guide.text(), /按情景找：共 2 个/);
    assert.match(guide.text(), /我想开一家小饭馆（法人）\s*营业执照、食品经营许可一次问清/);
    assert.match(guide.text(), /我要退休了（个人）/);
    assert.doesNotMatch(guide.text(), /open-restaurant|retire\b/);   // codes stay out of sight
    h.assertBindings(guide, ["scenarios"]);
    await h.tap(guide, "openScenario", { currentTarget: { dataset: { code: "retire" } } });
    assert.equal(h.lastNavigation(), "/pages/guide/scenario?code=retire");
    const scenario = await h.open(h.lastNavigation());
    assert.match(scenario.text(), /是否在本市参保？/);

    await elderSwitch(true);
    const large = await h.open("pages/guide/index");
    assert.match(large.component.dom.innerHTML, /class="[^"]*elder/);
    await elderSwitch(false);
  });

test("the home page's 办件进度 opens 我的办件, which keeps the lookup by receipt", { skip: !live && "no live server" },
  async () => {
    await h.launch(fixture.farm_openid);
    for (const elder of [false, true]) {
      await elderSwitch(elder);
      const home = await h.open("pages/index/index");
      const tile = home.component.data.tiles.find((t) => t.title === "办件进度");
      assert.equal(tile.url, "/pages/applications/index", `长辈模式 ${elder}`);
      await h.tap(home, "open", { currentTarget: { dataset: { url: tile.url } } });
      const cases = await h.open(h.lastNavigation());
      assert.match(cases.text(), /设施农用地备案/);
      assert.match(cases.text(), /凭回执上的受理编号查询/);
      await h.tap(cases, "lookup");
      assert.equal(h.lastNavigation(), "/pages/applications/detail");
    }
  });

test("评价这次服务 of a served visit from 预约详情: nothing chosen for the citizen, a 差评 told what happens next",
  { skip: !live && "no live server" }, async () => {
    await h.launch(fixture.rater_openid);
    const visit = await h.open(`pages/appointments/detail?id=${fixture.served_appointment}`);
    assert.match(visit.text(), /评价这次服务/);
    await h.tap(visit, "rate");
    assert.equal(h.lastNavigation(), `/pages/feedback/index?rate=appointment&id=${fixture.served_appointment}`);

    const rate = await h.open(h.lastNavigation());
    assert.equal(rate.component.data.level, null);
    assert.deepEqual(rate.component.data.levels.map((l) => l.name), ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]);
    await h.tap(rate, "submit");
    assert.match(rate.text(), /请选择您的满意程度/);
    assert.equal(rate.component.data.done, "");
    await h.tap(rate, "onLevel", { detail: { value: "2" } });
    await h.tap(rate, "onComment", { detail: { value: "材料清单和窗口说的不一样，跑了两趟" } });
    await h.tap(rate, "submit");
    assert.match(rate.text(), /已提交，谢谢您！我们会尽快联系您核实，整改的结果会在“消息”里告诉您。/);

    // One rating per visit: a second one is answered in words.
    const again = await h.open(`pages/feedback/index?rate=appointment&id=${fixture.served_appointment}`);
    await h.tap(again, "onLevel", { detail: { value: "5" } });
    await h.tap(again, "submit");
    assert.match(again.text(), /您已评价过这项服务/);
    assert.equal(again.component.data.done, "");
  });

test("诉求 with a photo: filed, then opened from the page that filed it, the photo shown again by a fresh link",
  { skip: !live && "no live server" }, async () => {
    await h.resume(CITIZEN);
    const page = await h.open("pages/feedback/index");
    await h.tap(page, "onText", { detail: { value: "大厅三楼的饮水机坏了好几天了，请尽快修理" } });
    h.state.chosen.push([fixture.photos[0]]);
    await h.tap(page, "addPhotos");
    assert.equal(page.component.data.photos.length, 1, page.component.data.error);
    await h.tap(page, "submit");
    assert.match(page.text(), /已提交，谢谢您/);
    await h.tap(page, "openCreated");
    const detail = await h.open(h.lastNavigation());
    assert.match(detail.text(), /饮水机坏了/);
    assert.match(detail.text(), /您发的照片（共1张/);
    const [photo] = detail.component.data.photos;
    const answer = await fetch(photo.src);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get("content-type"), /^image\//);
    h.assertBindings(detail, ["feedback"]);
  });

test("a centre's page: its hours, its published ratings and the queue now at each window, in words",
  { skip: !live && "no live server" }, async () => {
    await h.resume(CITIZEN);
    const page = await h.open(`pages/centres/detail?id=${fixture.centre_id}`);
    assert.match(page.text(), new RegExp(fixture.centre_name));
    assert.match(page.text(), /现在排队/);
    const lines = page.component.data.queue;
    assert.ok(lines.length >= 2, "one line per calling window");
    lines.forEach((line) => assert.match(line.text, /^.+：(等候 \d+ 人，大约要等 \d+ 分钟|现在不用排队)/));
    await h.tap(page, "loadQueue");
    assert.equal(page.component.data.queue.length, lines.length);
    h.assertBindings(page, ["centre"]);
  });

test("为其他人: a person without an authorisation booked by their typed details; a wrong check digit is refused " +
     "under the ID field with everything typed kept, then the corrected number books", { skip: !live && "no live server" },
  async () => {
    await h.resume(fixture.delegate_openid);   // verified; may book for 孙秀英 under her authorisation
    const book = await h.open(`pages/book/index?code=${fixture.item}`);
    await h.tap(book, "pickDate", { detail: { value: fixture.day } });
    assert.deepEqual(book.component.data.people, ["为自己", "为孙秀英（父母）", "为其他人（不是已授权的亲友）"]);
    assert.doesNotMatch(book.text(), /对方姓名|只是帮对方约一个号/);   // nothing to type for oneself
    await h.tap(book, "pickPerson", { detail: { value: 2 } });
    assert.match(book.text(), /为谁预约：为其他人（不是已授权的亲友）/);
    assert.match(book.text(), /只是帮对方约一个号，不能因此查看或办理对方的预约、办件和证照。/);
    // (miniprogram-simulate renders a bound 0 as nothing: the counters are checked once something is typed.)
    assert.match(book.text(), /\/20 字\s*\/18 位\s*\/11 位\s*对方与您的关系：请选择/);
    const time = book.component.data.periods.afternoon.find((t) => !t.full);
    assert.ok(time, "a free afternoon time");
    await h.tap(book, "pickSlot", { currentTarget: { dataset: { id: time.id } } });
    const right = fixture.other_id_number;
    const wrong = right.slice(0, 17) + (right[17] === "1" ? "2" : "1");
    await h.tap(book, "onOtherName", { detail: { value: "钱小满" } });
    await h.tap(book, "onOtherIdNumber", { detail: { value: wrong } });
    await h.tap(book, "onOtherPhone", { detail: { value: "13912349560" } });
    await h.tap(book, "pickOtherRelation", { detail: { value: 1 } });
    assert.match(book.text(), /3\/20 字\s*18\/18 位\s*11\/11 位\s*对方与您的关系：子女/);
    await h.tap(book, "book");
    // Refused under the ID number (between its counter and the phone field), nothing else flagged, all kept.
    assert.deepEqual(Object.keys(book.component.data.otherErrors), ["id_number"]);
    assert.match(book.text(), /18\/18 位\s*身份证号码最后一位（校验码）与前 17 位对不上[^]*11\/11 位/);
    // The fields' values are bound to what was typed (the browser test reads them back from the fields).
    const { otherName, otherIdNumber, otherPhone } = book.component.data;
    assert.deepEqual([otherName, otherIdNumber, otherPhone], ["钱小满", wrong, "13912349560"]);
    assert.equal(book.component.data.personIndex, 2);
    assert.match(book.text(), /对方与您的关系：子女/);
    assert.equal(book.component.data.slotId, time.id);

    await h.tap(book, "onOtherIdNumber", { detail: { value: right } });
    await h.tap(book, "book");
    const link = h.lastNavigation();
    assert.match(link || "", /^\/pages\/appointments\/detail\?id=\d+$/, book.component.data.error);
    const detail = await h.open(link);
    assert.match(detail.text(), /状态：已预约/);
    const list = await h.open("pages/appointments/index");
    assert.match(list.text(), /状态：已预约（为钱小满预约）/);
    h.assertBindings(list, ["appointments"]);
  });
