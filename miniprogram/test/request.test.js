// The request layer without WeChat: a scripted transport stands in for wx.request / fetch.
const test = require("node:test");
const assert = require("node:assert/strict");
const { createClient, BanshiError, TOKEN_KEY, queryString } = require("../utils/request.js");

function memoryStorage(initial = {}) {
  const data = { ...initial };
  return { data, get: (k) => data[k], set: (k, v) => { data[k] = v; }, remove: (k) => { delete data[k]; } };
}

function scripted(...answers) {
  const calls = [];
  const transport = (request) => {
    calls.push(JSON.parse(JSON.stringify(request)));
    const next = answers.shift();
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve(next);
  };
  return { transport, calls };
}

const noWait = () => Promise.resolve();

test("login stores the token and later calls send it", async () => {
  const storage = memoryStorage();
  const { transport, calls } = scripted({ status: 200, data: { token: "bs_abc", citizen_id: 7 } },
                                        { status: 200, data: { real_name: "李秀英" } });
  const client = createClient({ transport, storage, baseUrl: "https://banshi.example/", wait: noWait });
  await client.login("code-1");
  assert.equal(storage.data[TOKEN_KEY], "bs_abc");
  const me = await client.get("/api/v1/me");
  assert.equal(me.real_name, "李秀英");
  assert.equal(calls[0].url, "https://banshi.example/api/v1/auth/login");
  assert.deepEqual(calls[0].body, { code: "code-1" });
  assert.equal(calls[1].headers.Authorization, "Bearer bs_abc");
  assert.equal(calls[1].headers["Idempotency-Key"], undefined, "reads carry no idempotency key");
});

test("a page asking while the launch's login runs waits for it and carries the new token (no 401, no trip home)",
     async () => {
  const storage = memoryStorage();
  const { transport, calls } = scripted({ status: 200, data: { token: "bs_new", citizen_id: 7 } },
                                        { status: 200, data: { real_name: "李秀英" } });
  let loggedOut = 0;
  const client = createClient({ transport, storage, wait: noWait, onLoggedOut: () => { loggedOut += 1; } });
  let codeArrives;
  const wxLogin = new Promise((resolve) => { codeArrives = resolve; });   // wx.login has not answered yet
  const login = client.whileLoggingIn(wxLogin.then((code) => client.login(code)));
  const page = client.get("/api/v1/me");                                 // the page opened from a message asks now
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(calls.length, 0, "nothing sent before the login");
  codeArrives("code-1");
  await login;
  assert.equal((await page).real_name, "李秀英");
  assert.equal(calls[1].headers.Authorization, "Bearer bs_new");
  assert.equal(loggedOut, 0);
  // A failed login lets the waiting requests go on (they then meet the 401 as before), never hangs them.
  const other = scripted({ status: 200, data: { ok: 1 } });
  const offline = createClient({ transport: other.transport, storage: memoryStorage(), wait: noWait });
  await assert.rejects(offline.whileLoggingIn(Promise.reject(new Error("wx.login fail"))));
  assert.deepEqual(await offline.get("/api/v1/centres"), { ok: 1 });
});

test("a write retried after a dropped connection and a 503 keeps the same Idempotency-Key", async () => {
  const { transport, calls } = scripted(new Error("socket hang up"), { status: 503, data: null },
                                        { status: 201, data: { id: 42 } });
  const client = createClient({ transport, storage: memoryStorage({ [TOKEN_KEY]: "t" }), wait: noWait });
  const booked = await client.post("/api/v1/appointments", { slot_id: 3, item_codes: ["BL-001"] });
  assert.equal(booked.id, 42);
  assert.equal(calls.length, 3);
  const keys = new Set(calls.map((c) => c.headers["Idempotency-Key"]));
  assert.equal(keys.size, 1);
  assert.match([...keys][0], /^mp-/);
});

test("two separate writes get different keys", async () => {
  const { transport, calls } = scripted({ status: 201, data: {} }, { status: 201, data: {} });
  const client = createClient({ transport, storage: memoryStorage(), wait: noWait });
  await client.post("/api/v1/feedback", { kind: "suggestion", text: "希望延长午间服务" });
  await client.post("/api/v1/feedback", { kind: "suggestion", text: "希望延长午间服务" });
  assert.notEqual(calls[0].headers["Idempotency-Key"], calls[1].headers["Idempotency-Key"]);
});

test("an API error keeps the Chinese message and the field messages, and is not retried", async () => {
  const envelope = { error: { code: "validation_failed", message: "提交的信息有误，请按提示修改",
                              fields: { id_number: "身份证号码格式不正确，请核对 18 位号码" } } };
  const { transport, calls } = scripted({ status: 422, data: envelope });
  const client = createClient({ transport, storage: memoryStorage(), wait: noWait });
  await assert.rejects(client.patch("/api/v1/me", { id_number: "123" }), (error) => {
    assert.ok(error instanceof BanshiError);
    assert.equal(error.status, 422);
    assert.equal(error.message, "提交的信息有误，请按提示修改");
    assert.equal(error.fields.id_number, "身份证号码格式不正确，请核对 18 位号码");
    return true;
  });
  assert.equal(calls.length, 1);
});

test("a 401 forgets the token and tells the app to log in again", async () => {
  const storage = memoryStorage({ [TOKEN_KEY]: "expired" });
  let loggedOut = 0;
  const { transport } = scripted({ status: 401, data: { error: { code: "session_expired", message: "登录已过期，请重新登录" } } });
  const client = createClient({ transport, storage, wait: noWait, onLoggedOut: () => { loggedOut += 1; } });
  await assert.rejects(client.get("/api/v1/appointments"), { message: "登录已过期，请重新登录" });
  assert.equal(storage.data[TOKEN_KEY], undefined);
  assert.equal(loggedOut, 1);
  assert.equal(client.loggedIn(), false);
});

test("the network failing on every try ends in a clear Chinese message", async () => {
  const { transport, calls } = scripted(new Error("x"), new Error("x"), new Error("x"));
  const client = createClient({ transport, storage: memoryStorage(), wait: noWait, retries: 2 });
  await assert.rejects(client.get("/api/v1/items"), { code: "network", message: "网络不太稳定，请稍后再试" });
  assert.equal(calls.length, 3);
});

test("a non-JSON error page still becomes a readable error", async () => {
  const { transport } = scripted({ status: 500, data: null });
  const client = createClient({ transport, storage: memoryStorage(), wait: noWait });
  await assert.rejects(client.get("/api/v1/items"), { status: 500, message: "服务暂时不可用，请稍后再试" });
});

test("query strings skip empty values and encode Chinese", () => {
  assert.equal(queryString({ q: "营业执照", audience: "", lat: 0, lng: null }),
               "?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7&lat=0");
  assert.equal(queryString({}), "");
});

test("an upload goes as wx.uploadFile sends it, and its string answer and errors are read like any other", async () => {
  const uploads = [];
  const answers = [{ status: 201, data: JSON.stringify({ file: { id: 9, kind: "image" } }) },
                   { status: 422, data: JSON.stringify({ error: { code: "file_refused", message: "只能上传图片",
                                                                   fields: { file: "只能上传图片" } } }) }];
  const uploader = (upload) => { uploads.push(upload); return Promise.resolve(answers.shift()); };
  const storage = memoryStorage({ [TOKEN_KEY]: "bs_abc" });
  const client = createClient({ transport: () => Promise.reject(new Error("unused")), storage, uploader,
                                baseUrl: "https://banshi.example" });
  const stored = await client.upload("/api/v1/files", "wxfile://tmp/1.jpg", { purpose: "feedback" });
  assert.equal(stored.file.id, 9);
  assert.deepEqual(uploads[0], { url: "https://banshi.example/api/v1/files", filePath: "wxfile://tmp/1.jpg",
                                 name: "file", formData: { purpose: "feedback" },
                                 headers: { Authorization: "Bearer bs_abc" } });
  await assert.rejects(client.upload("/api/v1/files", "wxfile://tmp/2.exe", { purpose: "feedback" }), (error) => {
    assert.ok(error instanceof BanshiError);
    assert.equal(error.status, 422);
    assert.equal(error.fields.file, "只能上传图片");
    return true;
  });
});
