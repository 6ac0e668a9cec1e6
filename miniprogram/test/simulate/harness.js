// The mini-program's pages in Tencent's miniprogram-simulate, talking real HTTP to a live Banshi.
//
// miniprogram-simulate loads custom components, not pages: `Page(options)` is turned into a Component whose
// methods are the page's functions and whose `attached` runs onLoad(query) and onShow(), as its issues
// describe. `wx` is the part of WeChat's API the pages use: wx.request goes to the live server over HTTP,
// wx.login, getPhoneNumber and requestFacialVerify to the WeChat emulator's control API (what the phone would
// do), storage stays in memory, navigation is recorded for the test to follow.
const path = require("node:path");
const fs = require("node:fs");
const os = require("node:os");
const { JSDOM } = require("jsdom");

const ROOT = path.resolve(__dirname, "..", "..");
const dom = new JSDOM("<!doctype html><html><body></body></html>");
Object.assign(global, { window: dom.window, document: dom.window.document, Event: dom.window.Event,
                        navigator: dom.window.navigator, HTMLElement: dom.window.HTMLElement });
const simulate = require("miniprogram-simulate");

const API = process.env.BANSHI_API;
const EMULATOR = process.env.WECHAT_EMULATOR;

// config.js names the production host; the pages here talk to the live test server instead.
require.cache[require.resolve(path.join(ROOT, "config.js"))] = {
  id: "config", filename: path.join(ROOT, "config.js"), loaded: true, exports: { baseUrl: API },
};

// chosen: what wx.chooseMedia picks next (a list of file paths per call, .mp4 a video; none left: the citizen
// cancelled). chooseOptions: what the page last asked wx.chooseMedia for.
const state = { openid: "", storage: {}, navigations: [], inflight: 0, fontSize: 17, scanned: null, opened: [],
                chosen: [], clipboard: "", chooseOptions: null };

function track(promise) {
  state.inflight += 1;
  return promise.finally(() => { state.inflight -= 1; });
}

function emulator(pathname, body) {
  return track(fetch(`${EMULATOR}/emulator/${pathname}`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  }).then((response) => response.json()));
}

global.wx = {
  request(options) {
    const headers = Object.assign({}, options.header);
    const body = options.data === undefined ? undefined : JSON.stringify(options.data);
    if (body !== undefined) headers["Content-Type"] = "application/json";
    track(fetch(options.url, { method: options.method || "GET", headers, body })
      .then((response) => response.text().then((text) => ({ statusCode: response.status,
                                                             data: text ? JSON.parse(text) : null }))))
      .then((answer) => options.success && options.success(answer), (error) => options.fail && options.fail(error));
  },
  login(options) {
    emulator("login-codes", { openid: state.openid }).then((grant) => options.success({ code: grant.code }),
                                                            options.fail);
  },
  requestFacialVerify(options) {
    emulator("facial-verify", { verify_id: options.verifyId, openid: state.openid, verify_ret: 10000 })
      .then(() => options.success && options.success({}), () => options.fail && options.fail({}));
  },
  chooseMedia(options) {
    state.chooseOptions = options;
    const files = state.chosen.shift();
    setTimeout(() => (files ? options.success({ tempFiles: files.map((p) => ({ tempFilePath: p,
                                                                                fileType: /\.mp4$/i.test(p) ? "video" : "image" })) })
      : options.fail && options.fail({ errMsg: "chooseMedia:fail cancel" })));
  },
  // wx.uploadFile: multipart with the file under `name` and formData beside it; the answer's data is a string.
  uploadFile(options) {
    const form = new FormData();
    Object.entries(options.formData || {}).forEach(([key, value]) => form.append(key, value));
    const type = /\.png$/i.test(options.filePath) ? "image/png" : /\.mp4$/i.test(options.filePath) ? "video/mp4" : "image/jpeg";
    form.append(options.name, new Blob([fs.readFileSync(options.filePath)], { type }), path.basename(options.filePath));
    track(fetch(options.url, { method: "POST", headers: Object.assign({}, options.header), body: form })
      .then((response) => response.text().then((text) => ({ statusCode: response.status, data: text }))))
      .then((answer) => options.success && options.success(answer), (error) => options.fail && options.fail(error));
  },
  requestSubscribeMessage(options) { setTimeout(() => options.success({ errMsg: "requestSubscribeMessage:ok" })); },
  getLocation(options) { setTimeout(() => options.complete && options.complete({})); },
  scanCode(options) {
    setTimeout(() => (state.scanned ? options.success({ result: state.scanned }) : options.fail({ errMsg: "cancel" })));
  },
  // wx.downloadFile fetches into a temporary file; openDocument and shareFileMessage record what was handed on.
  downloadFile(options) {
    track(fetch(options.url, { headers: Object.assign({}, options.header) })
      .then((response) => response.arrayBuffer().then((body) => {
        const tempFilePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wx-download-")), "file");
        fs.writeFileSync(tempFilePath, Buffer.from(body));
        return { statusCode: response.status, tempFilePath };
      })))
      .then((answer) => options.success && options.success(answer), (error) => options.fail && options.fail(error));
  },
  openDocument(options) { state.opened.push(Object.assign({ via: "openDocument" }, options)); },
  shareFileMessage(options) { state.opened.push(Object.assign({ via: "shareFileMessage" }, options)); },
  setClipboardData(options) {
    state.clipboard = options.data;
    setTimeout(() => options.success && options.success({}));
  },
  stopPullDownRefresh() {},
  showModal(options) { setTimeout(() => options.success({ confirm: true, cancel: false })); },
  showToast() {},
  getSystemInfoSync() { return { fontSizeSetting: state.fontSize }; },
  getSystemSetting() { return { fontSizeSetting: state.fontSize }; },
  getStorageSync(key) { return state.storage[key] === undefined ? "" : state.storage[key]; },
  setStorageSync(key, value) { state.storage[key] = value; },
  removeStorageSync(key) { delete state.storage[key]; },
  navigateTo(options) { state.navigations.push(options.url); },
  redirectTo(options) { state.navigations.push(options.url); },
  reLaunch(options) { state.navigations.push(options.url); },
};

let app = null;
global.App = (options) => { app = options; };
global.getApp = () => app;
let pendingQuery = {};
global.Page = (options) => {
  const methods = {};
  Object.keys(options).forEach((key) => { if (typeof options[key] === "function") methods[key] = options[key]; });
  global.Component({
    data: options.data || {},
    methods,
    lifetimes: {
      attached() {
        if (this.onLoad) this.onLoad(pendingQuery);
        if (this.onShow) this.onShow();
      },
    },
  });
};
require(path.join(ROOT, "app.js"));

const loggedIn = {};   // openid → the storage its launch left (the login token)

/** Wait until every request the page started has been answered and rendered. */
async function settle() {
  for (let quiet = 0; quiet < 3;) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    quiet = state.inflight === 0 ? quiet + 1 : 0;
  }
}

/** A fresh phone for a WeChat user: empty storage, the app launched (wx.login → our login). */
async function launch(openid, { fontSize = 17 } = {}) {
  Object.assign(state, { openid, storage: {}, navigations: [], fontSize, opened: [], chosen: [] });
  app.globalData = { elder: false };
  app.onLaunch();
  await settle();
  loggedIn[openid] = Object.assign({}, state.storage);
}

/** The same phone again, still logged in from its last launch (no new login: the server allows 30 a minute from
 *  one address, and the suite's launches come close). */
async function resume(openid) {
  if (!loggedIn[openid]) return launch(openid);
  Object.assign(state, { openid, storage: Object.assign({}, loggedIn[openid]), navigations: [], fontSize: 17,
                         opened: [], chosen: [] });
  app.globalData = { elder: false };
  return null;
}

/** Open a page ("pages/x/y?a=1") as WeChat would: load, attach, onLoad(query), onShow; then let it settle. */
async function open(url) {
  const [page, search] = url.replace(/^\//, "").split("?");
  pendingQuery = Object.fromEntries(new URLSearchParams(search || ""));
  const id = simulate.load(path.join(ROOT, page), { compiler: "simulate", rootPath: ROOT });
  const component = simulate.render(id);
  component.attach(document.createElement("parent-wrapper"));
  await settle();
  return { page, component, instance: component.instance, text: () => component.dom.textContent };
}

/** Call a page's handler (a tap), then wait for what it started. */
async function tap(opened, method, event = {}) {
  opened.instance[method](Object.assign({ currentTarget: { dataset: {} }, detail: {} }, event));
  await settle();
}

function lastNavigation() {
  return state.navigations[state.navigations.length - 1];
}

// --- bindings: every field a page's WXML reads from API data must be in what the API returned --------------

function stripStrings(expression) {
  return expression.replace(/"[^"]*"|'[^']*'/g, '""');
}

/** The member paths a WXML file binds, with wx:for item aliases resolved to their list (as "list[]"). */
function boundPaths(wxml) {
  const aliases = {};
  for (const tag of wxml.match(/<[^>]+wx:for="\{\{[^}]+\}\}"[^>]*>/g) || []) {
    const list = /wx:for="\{\{\s*([\w.]+)\s*\}\}"/.exec(tag)[1];
    const alias = (/wx:for-item="(\w+)"/.exec(tag) || [null, "item"])[1];
    aliases[alias] = `${list}[]`;
  }
  const paths = new Set();
  for (const [, expression] of wxml.matchAll(/\{\{([^}]*)\}\}/g)) {
    const clean = stripStrings(expression).replace(/\[[^\]]*\]/g, "[]");
    for (const [chain] of clean.matchAll(/[A-Za-z_]\w*(?:\[\])?(?:\.[A-Za-z_]\w*(?:\[\])?)+/g)) {
      const [root, ...rest] = chain.split(".");
      const base = aliases[root.replace("[]", "")] || root;
      paths.add([base, ...rest].join("."));
    }
  }
  return [...paths];
}

/** Each bound path under `roots` (the page's data filled from the API) must exist in that data: a key the API
 *  does not return fails (a null value is an answer; a list's first element stands for every element). */
function assertBindings(opened, roots) {
  const wxml = fs.readFileSync(path.join(ROOT, `${opened.page}.wxml`), "utf8");
  const problems = bindingProblems(wxml, opened.component.data, roots).map((p) => `${opened.page}.wxml ${p}`);
  if (problems.length) throw new Error(problems.join("\n"));
}

function bindingProblems(wxml, data, roots) {
  const problems = [];
  for (const bound of boundPaths(wxml)) {
    const tokens = bound.split(".").flatMap((part) => (part.endsWith("[]") ? [part.slice(0, -2), "[]"] : [part]));
    if (!roots.includes(tokens[0])) continue;
    let value = data;
    for (const token of tokens) {
      if (value === null || value === undefined) break;
      if (token === "[]") {
        if (!Array.isArray(value) || value.length === 0) break;
        value = value[0];
      } else if (typeof value !== "object" || !(token in value)) {
        problems.push(`binds {{${bound}}}: the data has no "${token}"`);
        break;
      } else {
        value = value[token];
      }
    }
  }
  return problems;
}

module.exports = { API, EMULATOR, state, launch, resume, open, tap, settle, lastNavigation, assertBindings, bindingProblems };
