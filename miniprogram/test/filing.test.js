// 网上申报, 我的申报 and 补正: the helpers in utils/filing.js, and the pages' logic driven through a fake `wx`
// whose wx.request answers from a scripted server (what the live tests in test/simulate/ do over HTTP).
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const filing = require("../utils/filing.js");

const ROOT = path.resolve(__dirname, "..");

const DEFINITION = {
  item_code: "FOOD-NEW", item_name: "食品经营许可证（新办）", applicant: "business",
  fields: [
    { key: "premises", label: "经营场所地址", type: "text", required: true, max_length: 100, min: null, max: null, choices: [] },
    { key: "main_form", label: "主体业态", type: "choice", required: true, max_length: null, min: null, max: null,
      choices: ["餐饮服务经营者", "食品销售经营者", "单位食堂"] },
    { key: "scope", label: "经营项目", type: "textarea", required: true, max_length: 300, min: null, max: null, choices: [] },
    { key: "staff_count", label: "从业人员人数", type: "number", required: true, max_length: null, min: 1, max: 10000, choices: [] },
    { key: "opening_on", label: "计划开业日期", type: "date", required: false, max_length: null, min: null, max: null, choices: [] },
  ],
  materials: [{ name: "营业执照", key: true }, { name: "从业人员健康证明", key: false }],
  centres: [{ id: 1, name: "东昌府区政务服务中心" }, { id: 2, name: "开发区政务服务中心" }],
  prefill: { premises: "聊城市开发区黄河路18号" },
};

function draft(overrides) {
  return Object.assign({
    id: 7, item_code: "FOOD-NEW", bundle_code: null, item_name: "食品经营许可证（新办）", centre_id: 2,
    centre_name: "开发区政务服务中心", business_id: 5, status: "draft", values: { premises: "聊城市开发区黄河路18号" },
    materials: {}, deferred: [], promise_text: null, delivery: "pickup", mail: null, reference: null,
    updated_at: "2026-11-23T10:05:00+08:00" }, overrides);
}

// --- the helpers ------------------------------------------------------------------------------------------

test("form fields read in words: required or not, the limits, nothing chosen for a choice", () => {
  const rows = filing.fieldRows(DEFINITION, { premises: "黄河路18号", scope: "热食类" }, { "values.scope": "经营项目不能超过300个字" });
  assert.deepEqual(rows.map((r) => r.hint), ["必填，最多 100 字", "必填", "必填，最多 300 字", "必填，填 1 到 10000 之间的整数", "选填"]);
  assert.equal(rows[1].choiceIndex, -1, "no 主体业态 is chosen for the applicant");
  assert.equal(rows[1].value, "");
  assert.equal(rows[2].length, 3);
  assert.equal(rows[2].maxLength, 300);
  assert.equal(rows[2].error, "经营项目不能超过300个字");
  assert.equal(rows[0].error, "");
});

test("each material says whether it may wait, in plain words, and its state", () => {
  const rows = filing.materialRows(DEFINITION, { 营业执照: [41, 42] }, ["从业人员健康证明"],
                                   { "materials.营业执照": "请上传营业执照（必需材料，不能先办后补）" });
  assert.equal(rows[0].need, "必需，不能后补");
  assert.equal(rows[0].state, "已上传 2 个文件");
  assert.equal(rows[0].deferrable, false);
  assert.match(rows[0].error, /请上传营业执照/);
  assert.equal(rows[1].need, "可以先办、材料后补");
  assert.equal(rows[1].deferred, true);
  assert.equal(rows[1].state, "先办，材料后补（已承诺补交）");
  assert.equal(filing.anyDeferred(rows), true);
  const none = filing.materialRows(DEFINITION, {}, [], {});
  assert.equal(none[0].state, "必需材料，还没有上传");
  assert.equal(none[1].state, "还没有上传；这份材料可以先办、材料后补");
  for (const row of rows.concat(none)) assert.doesNotMatch(row.need + row.state, /容缺|key|deferred/);
});

test("the saved body leaves out empty values, sends the promise only with a material waiting, the address only for 邮寄", () => {
  const body = filing.filingBody({ values: { premises: " 黄河路18号 ", scope: "", staff_count: "6" },
                                   uploaded: { 营业执照: [41], 从业人员健康证明: [] },
                                   deferred: ["从业人员健康证明", "营业执照"], promise: "承诺10个工作日内补交",
                                   delivery: "", mail: { name: "王", phone: "139", address: "x" } });
  assert.deepEqual(body, { values: { premises: "黄河路18号", staff_count: "6" }, materials: { 营业执照: [41] },
                           deferred: ["从业人员健康证明"], promise_text: "承诺10个工作日内补交", delivery: "pickup",
                           mail: null });
  const mailed = filing.filingBody({ values: {}, uploaded: {}, deferred: [], promise: "不需要", delivery: "mail",
                                     mail: { name: " 王老板 ", phone: "13912345678", address: "聊城市开发区黄河路18号" } });
  assert.equal(mailed.promise_text, null);
  assert.deepEqual(mailed.mail, { name: "王老板", phone: "13912345678", address: "聊城市开发区黄河路18号" });
});

test("pickup is not taken as chosen from the API's default; 邮寄 and a pickup chosen on this phone are", () => {
  assert.equal(filing.deliveryChosen({ delivery: "pickup" }, undefined), "");
  assert.equal(filing.deliveryChosen({ delivery: "pickup" }, "pickup"), "pickup");
  assert.equal(filing.deliveryChosen({ delivery: "mail" }, undefined), "mail");
});

test("我的申报 lists drafts first, newest first, then submitted ones, each state in words", () => {
  const rows = filing.filingList([
    draft({ id: 1, status: "submitted", reference: "BS20261120-ABCDEF", updated_at: "2026-11-20T09:00:00+08:00" }),
    draft({ id: 2, updated_at: "2026-11-21T09:00:00+08:00" }),
    draft({ id: 3, status: "submitted", reference: "BS20261122-GHJKLM", updated_at: "2026-11-22T09:00:00+08:00" }),
    draft({ id: 4, updated_at: "2026-11-23T16:30:00+08:00" }),
  ]);
  assert.deepEqual(rows.map((r) => r.id), [4, 2, 3, 1]);
  assert.equal(rows[0].status, "草稿，还没有提交");
  assert.equal(rows[0].line, "上次保存：11月23日 16:30，点此继续填写");
  assert.equal(rows[2].status, "已提交");
  assert.equal(rows[2].line, "受理编号 BS20261122-GHJKLM，点此查看办理进度");
  for (const row of rows) assert.doesNotMatch(row.status, /draft|submitted/);
});

test("the draft to continue is the item's newest unsent one", () => {
  const list = [draft({ id: 1, updated_at: "2026-11-20T09:00:00+08:00" }), draft({ id: 2, updated_at: "2026-11-21T09:00:00+08:00" }),
                draft({ id: 3, status: "submitted" }), draft({ id: 4, item_code: "OTHER" })];
  assert.equal(filing.draftFor(list, "FOOD-NEW").id, 2);
  assert.equal(filing.draftFor(list, "NONE"), null);
});

test("补正: only a case waiting for one lists the materials asked for again, answered ones marked", () => {
  const application = { status: "needs_correction", materials: [
    { id: 11, kind: "correction", name: "营业执照", note: "照片模糊", due_on: "2026-11-30", received: false, reported_by_citizen_at: null },
    { id: 12, kind: "deferred", name: "健康证明", note: null, due_on: "2026-12-05", received: false, reported_by_citizen_at: null },
    { id: 13, kind: "correction", name: "场所照片", note: "看不清门牌", due_on: "2026-11-30", received: false,
      reported_by_citizen_at: "2026-11-24T10:00:00+08:00" },
  ] };
  assert.deepEqual(filing.corrections(application).map((c) => [c.id, c.reason, c.answered]),
                   [[11, "照片模糊", false], [13, "看不清门牌", true]]);
  assert.deepEqual(filing.corrections(Object.assign({}, application, { status: "in_review" })), []);
});

// --- the pages, through a fake wx ----------------------------------------------------------------------

/** A scripted server: routes "METHOD /path" → (body, query) => [status, data]; every call recorded. */
function fakeWeChat(routes, { elder = false } = {}) {
  const calls = [];
  const phone = { navigations: [], storage: {}, chosen: [] };
  global.getApp = () => ({ globalData: { elder } });
  global.wx = {
    request(options) {
      const url = new URL(options.url, "https://banshi.test");
      const key = `${options.method} ${url.pathname}`;
      calls.push({ key, body: options.data, query: Object.fromEntries(url.searchParams) });
      const handler = routes[key];
      const [status, data] = handler ? handler(options.data, Object.fromEntries(url.searchParams))
        : [404, { error: { code: "not_found", message: "未找到", fields: {} } }];
      setImmediate(() => options.success({ statusCode: status, data }));
    },
    uploadFile(options) {
      calls.push({ key: "UPLOAD", body: Object.assign({ filePath: options.filePath }, options.formData) });
      setImmediate(() => options.success({ statusCode: 201, data: JSON.stringify({ file: { id: 40 + calls.length } }) }));
    },
    chooseMedia(options) {
      const files = phone.chosen.shift();
      setImmediate(() => (files ? options.success({ tempFiles: files.map((p) => ({ tempFilePath: p })) })
        : options.fail({ errMsg: "chooseMedia:fail cancel" })));
    },
    getStorageSync: (key) => (phone.storage[key] === undefined ? "" : phone.storage[key]),
    setStorageSync: (key, value) => { phone.storage[key] = value; },
    removeStorageSync: (key) => { delete phone.storage[key]; },
    navigateTo: (options) => phone.navigations.push(options.url),
    redirectTo: (options) => phone.navigations.push(options.url),
    reLaunch: (options) => phone.navigations.push(options.url),
    showToast() {},
  };
  return { calls, phone };
}

/** The page as WeChat builds it: its options, `data` and a setData that merges. */
function loadPage(page) {
  let options = null;
  global.Page = (o) => { options = o; };
  const file = path.join(ROOT, `${page}.js`);
  delete require.cache[require.resolve(file)];
  require(file);
  const instance = Object.assign({}, options, { data: JSON.parse(JSON.stringify(options.data)) });
  instance.setData = function (patch, done) { Object.assign(this.data, patch); if (done) done(); };
  return instance;
}

// The fake WeChat answers on the next turn of the event loop (setImmediate), so a page's chain of requests
// settles in a known number of turns whatever the machine's load (a wall-clock wait of 20 ms did not, once).
const settle = async () => { for (let turn = 0; turn < 25; turn += 1) await new Promise((resolve) => setImmediate(resolve)); };
const tap = async (page, method, event = {}) => {
  page[method](Object.assign({ currentTarget: { dataset: {} }, detail: {} }, event));
  await settle(); await settle();
};
const posts = (calls, key) => calls.filter((c) => c.key === key);

function filingRoutes(list, extra) {
  return Object.assign({
    "GET /api/v1/items/FOOD-NEW/online-form": () => [200, DEFINITION],
    "GET /api/v1/filings": () => [200, { filings: list }],
    "GET /api/v1/me": () => [200, { verified: true }],
    "GET /api/v1/businesses": () => [200, { businesses: [{ id: 5, name: "聊城市开发区老王家常菜馆" }] }],
    "GET /api/v1/filings/7": () => [200, draft()],
  }, extra);
}

test("网上申报 of an item with an unsent draft continues that draft and makes no new one", async () => {
  const left = draft({ values: { premises: "黄河路18号", scope: "热食类食品制售" } });
  const { calls } = fakeWeChat(filingRoutes([left], { "GET /api/v1/filings/7": () => [200, left] }));
  const page = loadPage("pages/filing/index");
  page.onLoad({ code: "FOOD-NEW" });
  await settle(); await settle();
  assert.equal(page.data.stage, "form");
  assert.equal(page.data.filing.id, 7);
  assert.deepEqual(posts(calls, "POST /api/v1/filings"), []);
  assert.equal(page.data.delivery, "", "pickup is not chosen for the applicant");
  assert.equal(page.data.rows.find((r) => r.key === "scope").length, 7);
});

test("网上申报 from the start: the centre is the applicant's choice, the only business is taken, then the form", async () => {
  const { calls } = fakeWeChat(filingRoutes([], {
    "POST /api/v1/filings": (body) => [201, draft({ centre_id: body.centre_id, business_id: body.business_id })],
  }));
  const page = loadPage("pages/filing/index");
  page.onLoad({ code: "FOOD-NEW" });
  await settle(); await settle();
  assert.equal(page.data.stage, "start");
  assert.equal(page.data.centreIndex, -1, "no centre is chosen for the applicant");
  assert.equal(page.data.businessIndex, 0, "the one business the applicant acts for");
  await tap(page, "start");
  assert.equal(page.data.fieldErrors.centre_id, "请选择到哪个中心办理");
  assert.deepEqual(posts(calls, "POST /api/v1/filings"), []);
  await tap(page, "pickCentre", { detail: { value: "1" } });
  await tap(page, "start");
  assert.deepEqual(posts(calls, "POST /api/v1/filings")[0].body, { item_code: "FOOD-NEW", centre_id: 2, business_id: 5 });
  assert.equal(page.data.stage, "form");
  assert.equal(calls.filter((c) => c.key === "GET /api/v1/items/FOOD-NEW/online-form").pop().query.business_id, "5");
});

test("an unverified citizen is sent to verify first; an item without a form says so", async () => {
  fakeWeChat(filingRoutes([], { "GET /api/v1/me": () => [200, { verified: false }] }));
  const page = loadPage("pages/filing/index");
  page.onLoad({ code: "FOOD-NEW" });
  await settle(); await settle();
  assert.equal(page.data.needVerify, true);
  const wxml = fs.readFileSync(path.join(ROOT, "pages/filing/index.wxml"), "utf8");
  assert.match(wxml, /wx:if="\{\{needVerify\}\}"[^>]*>.*去实名核验/);

  fakeWeChat({ "GET /api/v1/items/PLAIN/online-form": () => [404, { error: {
    code: "not_offered_online", message: "该事项暂不支持网上申报，请预约到窗口办理。", fields: {} } }] });
  const closed = loadPage("pages/filing/index");
  closed.onLoad({ code: "PLAIN" });
  await settle(); await settle();
  assert.equal(closed.data.stage, "closed");
  assert.match(closed.data.error, /暂不支持网上申报/);
});

test("upload per material, 可以先办、材料后补 with a promise, 邮寄, refusals at their field, then submitted", async () => {
  const saved = [];
  let refuse = true;
  const { calls, phone } = fakeWeChat(filingRoutes([draft()], {
    "PUT /api/v1/filings/7": (body) => { saved.push(body); return [200, draft(body)]; },
    "POST /api/v1/filings/7/submit": () => (refuse
      ? [422, { error: { code: "validation_failed", message: "请填写经营项目", fields: {
        "values.scope": "请填写经营项目", "mail.phone": "请填写11位手机号" } } }]
      : [201, { reference: "BS20261123-7KQ4MX", status: "submitted", kind: "application" }]),
  }), { elder: true });
  const page = loadPage("pages/filing/index");
  page.onLoad({ id: "7" });
  await settle(); await settle();
  assert.equal(page.data.stage, "form");

  phone.chosen.push(["wxfile://tmp/licence-1.jpg", "wxfile://tmp/licence-2.jpg"]);
  await tap(page, "addFiles", { currentTarget: { dataset: { name: "营业执照" } } });
  const uploads = calls.filter((c) => c.key === "UPLOAD");
  assert.deepEqual(uploads.map((u) => [u.body.filePath, u.body.purpose]),
                   [["wxfile://tmp/licence-1.jpg", "material"], ["wxfile://tmp/licence-2.jpg", "material"]]);
  assert.equal(page.data.materials[0].state, "已上传 2 个文件");
  assert.equal(saved.pop().materials["营业执照"].length, 2, "the draft is saved with the files at once");

  await tap(page, "toggleDefer", { currentTarget: { dataset: { name: "从业人员健康证明" } } });
  assert.equal(page.data.waiting, true, "the promise is asked for");
  await tap(page, "onPromise", { detail: { value: "承诺于10个工作日内补交" } });
  await tap(page, "onChoice", { currentTarget: { dataset: { key: "main_form" } }, detail: { value: "0" } });
  assert.equal(page.data.values.main_form, "餐饮服务经营者");

  // 长辈模式: one step per screen; the last one asks how the result comes back, and nothing is chosen for them.
  await tap(page, "next");
  await tap(page, "next");
  assert.equal(page.data.step, 2);
  await tap(page, "submit");
  assert.equal(page.data.fieldErrors.delivery, "请选择办好后怎么拿到结果");
  assert.deepEqual(posts(calls, "POST /api/v1/filings/7/submit"), []);

  await tap(page, "chooseDelivery", { detail: { value: "mail" } });
  await tap(page, "onMail", { currentTarget: { dataset: { field: "name" } }, detail: { value: "王老板" } });
  await tap(page, "onMail", { currentTarget: { dataset: { field: "phone" } }, detail: { value: "139" } });
  await tap(page, "submit");
  assert.equal(page.data.step, 0, "长辈模式 goes back to the first screen with a mistake");
  assert.equal(page.data.rows.find((r) => r.key === "scope").error, "请填写经营项目");
  assert.equal(page.data.fieldErrors["mail.phone"], "请填写11位手机号");
  const sent = saved.pop();
  assert.deepEqual(sent.deferred, ["从业人员健康证明"]);
  assert.equal(sent.promise_text, "承诺于10个工作日内补交");
  assert.equal(sent.delivery, "mail");
  assert.deepEqual(phone.storage["banshi.filing.delivery"], { 7: "mail" });

  refuse = false;
  await tap(page, "onValue", { currentTarget: { dataset: { key: "scope" } }, detail: { value: "热食类食品制售" } });
  await tap(page, "submit");
  assert.equal(page.data.stage, "done");
  assert.equal(page.data.reference, "BS20261123-7KQ4MX");
  await tap(page, "openCase");
  assert.equal(phone.navigations.pop(), "/pages/applications/detail?ref=BS20261123-7KQ4MX");
});

test("a submitted filing opened again shows its case, not the form", async () => {
  const { phone } = fakeWeChat({ "GET /api/v1/filings/9": () => [200, draft({ id: 9, status: "submitted", reference: "BS20261123-7KQ4MX" })] });
  const page = loadPage("pages/filing/index");
  page.onLoad({ id: "9" });
  await settle(); await settle();
  assert.equal(phone.navigations.pop(), "/pages/applications/detail?ref=BS20261123-7KQ4MX");
});

test("我的申报 opens a draft to continue it and a submitted filing's case", async () => {
  const { phone } = fakeWeChat({ "GET /api/v1/filings": () => [200, { filings: [
    draft({ id: 3, status: "submitted", reference: "BS20261122-GHJKLM" }), draft({ id: 4 })] }] });
  const page = loadPage("pages/filing/list");
  page.onShow();
  await settle(); await settle();
  assert.deepEqual(page.data.filings.map((f) => f.id), [4, 3]);
  await tap(page, "open", { currentTarget: { dataset: { id: 4 } } });
  assert.equal(phone.navigations.pop(), "/pages/filing/index?id=4");
  await tap(page, "open", { currentTarget: { dataset: { id: 3 } } });
  assert.equal(phone.navigations.pop(), "/pages/applications/detail?ref=BS20261122-GHJKLM");
});

test("a 补正 is answered with a new photo from the phone and the case shows it answered", async () => {
  let answered = false;
  const application = () => ({ reference: "BS20261123-7KQ4MX", status: answered ? "submitted" : "needs_correction",
    item_name: "食品经营许可证（新办）", status_name: answered ? "已提交" : "待补正", timeline: [], materials: [
      { id: 11, kind: "correction", name: "营业执照", note: "照片模糊", due_on: "2026-11-30", received: false,
        reported_by_citizen_at: answered ? "2026-11-24T10:00:00+08:00" : null }] });
  const { calls, phone } = fakeWeChat({
    "GET /api/v1/applications/BS20261123-7KQ4MX": () => [200, application()],
    "POST /api/v1/applications/BS20261123-7KQ4MX/corrections": () => { answered = true; return [200, { reference: "BS20261123-7KQ4MX", status: "submitted" }]; },
  });
  const page = loadPage("pages/applications/detail");
  page.onLoad({ ref: "BS20261123-7KQ4MX" });
  await settle();
  assert.deepEqual(page.data.corrections.map((c) => [c.name, c.reason, c.answered]), [["营业执照", "照片模糊", false]]);
  await tap(page, "onNote", { currentTarget: { dataset: { id: 11 } }, detail: { value: "已重新拍清楚" } });
  assert.equal(page.data.corrections[0].length, 6);
  phone.chosen.push(["wxfile://tmp/licence-clear.jpg"]);
  await tap(page, "answer", { currentTarget: { dataset: { id: 11 } } });
  const sent = posts(calls, "POST /api/v1/applications/BS20261123-7KQ4MX/corrections")[0].body;
  assert.equal(sent.answers[0].material_id, 11);
  assert.equal(sent.answers[0].file_ids.length, 1);
  assert.equal(sent.answers[0].note, "已重新拍清楚");
  assert.deepEqual(page.data.corrections, [], "the case went back to the window");
  assert.match(page.data.notice, /补正材料已提交/);
});

test("the item page offers 网上申报 only where the item has an online form", () => {
  const wxml = fs.readFileSync(path.join(ROOT, "pages/items/index.wxml"), "utf8");
  assert.match(wxml, /<button wx:if="\{\{online\}\}" bindtap="file">网上申报/);
  const js = fs.readFileSync(path.join(ROOT, "pages/items/index.js"), "utf8");
  assert.match(js, /online: item\.online_form === true/);
  const me = fs.readFileSync(path.join(ROOT, "pages/me/index.wxml"), "utf8");
  assert.match(me, /url="\/pages\/filing\/list">我的申报/);
});

test("告知承诺: each promise in full, signed or not; a signed one stands in for its material and is sent", () => {
  const definition = { materials: [{ name: "住所使用证明", key: false }, { name: "公司章程", key: true }],
                       promises: [{ key: "residence_true", condition: "住所真实、合法", text: "本人承诺：住所真实。",
                                    instead_of: "住所使用证明" }] };
  const unsigned = filing.promiseRows(definition, [], { "promises.residence_true": "该事项没有这项告知承诺" });
  assert.equal(unsigned[0].signed, false);
  assert.equal(unsigned[0].text, "本人承诺：住所真实。");
  assert.equal(unsigned[0].instead, "签署后不用再交“住所使用证明”");
  assert.equal(unsigned[0].error, "该事项没有这项告知承诺");
  const rows = filing.withPromises(filing.materialRows(definition, {}, [], {}),
                                   filing.replacedBy(definition, ["residence_true"]));
  assert.equal(rows[0].state, "已签署告知承诺，不用再交");
  assert.equal(rows[0].deferrable, false);
  assert.equal(rows[1].state, "必需材料，还没有上传");
  const body = filing.filingBody({ values: {}, uploaded: {}, deferred: [], signed: ["residence_true"], delivery: "" });
  assert.deepEqual(body.promises, ["residence_true"]);
  assert.equal("promises" in filing.filingBody({ values: {}, uploaded: {}, deferred: [], signed: [] }), false);
});
