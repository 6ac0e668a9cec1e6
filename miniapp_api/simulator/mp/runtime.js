// The mini-program's own pages in a browser: each Page(options) becomes a j-component (Tencent's exparser, the
// same runtime miniprogram-simulate uses under Node), shown in a page stack inside a phone-sized frame.
//
// exparser renders WeChat's built-in components as bare elements (<wx-view>, <wx-input>, <wx-button>) without
// their native behaviour, so this file bridges the DOM: a click anywhere dispatches exparser's `tap` on the
// element clicked (bindtap handlers run with their dataset), and each <wx-input>/<wx-textarea> gets a real
// field whose typing dispatches `input` (bindinput) and Enter `confirm` (bindconfirm); a <wx-picker> opens a
// sheet (a list, or the browser's date field) whose choice dispatches `change`; <wx-radio>/<wx-checkbox> keep
// their checked state and dispatch `change` on their group (bindchange) as WeChat does.
//
// `wx` is the part of WeChat's API the pages use: wx.request is fetch to this server, wx.login, consents and
// face checks go through the simulator's routes to the WeChat emulator.
const jComponent = require("j-component");
const exparser = require("miniprogram-exparser");
const tester = require("./tester.js");

const RPX = /(\d*\.?\d+)rpx/g;
const halfPixels = (_, n) => `${Number(n) / 2}px`;
const STORAGE_PREFIX = "banshi.mp.";
const OPENID_KEY = "banshi.mp.openid";

let bundle = null;
let appOptions = null;
let pendingDefinition = null;
let pendingQuery = {};
let frame = null;
const registered = {};
const stack = [];   // [{ path, query, component, element }]

// --- the mini-program's globals --------------------------------------------------------------------------

globalThis.App = (options) => { appOptions = options; };
globalThis.getApp = () => appOptions;
globalThis.Page = (options) => { pendingDefinition = options; };
globalThis.getCurrentPages = () => stack.map((entry) => entry.component.instance);

function openid() {
  let value = window.localStorage.getItem(OPENID_KEY);
  const asked = new URLSearchParams(window.location.search).get("openid");
  if (asked && asked !== value) {
    // Another test user: a phone of their own (their storage, their token).
    Object.keys(window.localStorage).filter((key) => key.startsWith(STORAGE_PREFIX))
      .forEach((key) => window.localStorage.removeItem(key));
    value = asked;
  }
  if (!value) value = `o-mp-${Math.random().toString(36).slice(2, 12)}`;
  window.localStorage.setItem(OPENID_KEY, value);
  return value;
}

function wechat(path, body) {
  return fetch(`/simulator/wechat/${path}`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  }).then((response) => response.json().then((data) => {
    if (!response.ok) throw data;
    return data;
  }));
}

function later(callback, value) {
  setTimeout(() => callback && callback(value));
}

function toast(text) {
  const note = document.createElement("div");
  note.className = "mp-toast";
  note.setAttribute("role", "status");
  note.textContent = text;
  frame.appendChild(note);
  setTimeout(() => note.remove(), 2000);
}

function modal(options) {
  const box = document.createElement("div");
  box.className = "mp-modal";
  box.setAttribute("role", "dialog");
  box.innerHTML = "<div class=\"mp-modal-body\"><p class=\"mp-modal-title\"></p><p class=\"mp-modal-content\"></p>" +
    "<div class=\"mp-modal-buttons\"></div></div>";
  box.querySelector(".mp-modal-title").textContent = options.title || "";
  box.querySelector(".mp-modal-content").textContent = options.content || "";
  const answer = (confirm) => {
    box.remove();
    if (options.success) options.success({ confirm, cancel: !confirm });
  };
  const buttons = box.querySelector(".mp-modal-buttons");
  if (options.showCancel !== false) {
    const cancel = document.createElement("button");
    cancel.textContent = options.cancelText || "取消";
    cancel.addEventListener("click", () => answer(false));
    buttons.appendChild(cancel);
  }
  const confirm = document.createElement("button");
  confirm.textContent = options.confirmText || "确定";
  confirm.addEventListener("click", () => answer(true));
  buttons.appendChild(confirm);
  frame.appendChild(box);
}

// Files picked in the browser stand for WeChat's temp files: the tempFilePath is the file as a data: URL (the
// app's Content-Security-Policy shows data: images but no blob:), and the File itself is kept by it.
function pickFiles(accept, multiple) {
  return new Promise((resolve) => {
    const input = document.createElement("input");
    input.type = "file";
    input.accept = accept;
    input.multiple = multiple;
    input.addEventListener("change", () => resolve([...input.files]));
    input.click();
  });
}
const picked = {};

function readAsTempFile(file) {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      picked[reader.result] = file;
      resolve(reader.result);
    });
    reader.readAsDataURL(file);
  });
}

/** A sheet in the phone as WeChat draws its own prompts: a question, perhaps lines or a field, and buttons. */
function sheet(label, build) {
  return new Promise((resolve) => {
    const box = document.createElement("div");
    box.className = "mp-modal";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", label);
    const body = document.createElement("div");
    body.className = "mp-modal-body mp-sheet";
    box.appendChild(body);
    build(body, (value) => { box.remove(); resolve(value); });
    frame.appendChild(box);
    const first = body.querySelector("input, button");
    if (first) first.focus();
  });
}

function sheetButton(body, text, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = text;
  button.addEventListener("click", onClick);
  body.appendChild(button);
  return button;
}

// True while a tap's handlers run: WeChat opens the subscribe prompt only when asked straight from a tap.
let inTap = false;

// The templates' plain purpose and kind (one-time or long-term), from the server's list, for WeChat's prompt.
const consentKinds = {};
function templatePurposes() {
  const token = wx.getStorageSync("banshi.token");
  return fetch("/api/v1/subscriptions", { headers: token ? { Authorization: `Bearer ${token}` } : {} })
    .then((response) => (response.ok ? response.json() : { subscriptions: [] }))
    .then((list) => {
      const purposes = {};
      (list.subscriptions || []).forEach((row) => {
        purposes[row.template_id] = row.purpose;
        consentKinds[row.template_id] = row.subscription;
      });
      return purposes;
    }, () => ({}));
}

/** wx.requestSubscribeMessage's answer: true (允许) or false (拒绝). */
function askConsent(ids) {
  return templatePurposes().then((purposes) => {
    const mode = tester.settings.consent();
    if (mode !== "ask") return mode === "accept";
    return sheet("订阅消息", (body, answer) => {
      const title = document.createElement("p");
      title.className = "mp-modal-title";
      title.textContent = "办事通 申请向你发送以下消息";
      const list = document.createElement("ul");
      list.className = "mp-consents";
      ids.forEach((id) => {
        const item = document.createElement("li");
        item.textContent = purposes[id] || "办事通的通知";
        list.appendChild(item);
      });
      body.append(title, list);
      sheetButton(body, "允许", () => answer(true));
      sheetButton(body, "拒绝", () => answer(false));
    });
  });
}

globalThis.wx = {
  request(options) {
    const headers = Object.assign({}, options.header);
    const body = options.data === undefined ? undefined : JSON.stringify(options.data);
    if (body !== undefined) headers["Content-Type"] = "application/json";
    fetch(options.url, { method: options.method || "GET", headers, body })
      .then((response) => response.text().then((text) => ({ statusCode: response.status,
                                                             data: text ? JSON.parse(text) : null })))
      .then((answer) => options.success && options.success(answer), (error) => options.fail && options.fail(error));
  },
  login(options) {
    wechat("login-codes", { openid: openid() }).then((grant) => options.success({ code: grant.code }), options.fail);
  },
  // The tester's face-check outcome (tester.js) goes to the emulator, which records it for the server's
  // queryverifyinfo; anything but 10000 is WeChat's fail callback, as is the emulator's refusal of the verifyId.
  requestFacialVerify(options) {
    const verifyRet = tester.settings.faceOutcome();
    wechat("facial-verify", { verify_id: options.verifyId, openid: openid(), verify_ret: verifyRet })
      .then((answer) => {
        if (verifyRet === 10000) return options.success && options.success({ errCode: 0, errMsg: "requestFacialVerify:ok" });
        return options.fail && options.fail({ errCode: verifyRet, verifyResult: answer.verifyResult,
                                             errMsg: `requestFacialVerify:fail ${tester.FACE_OUTCOMES[verifyRet] || verifyRet}` });
      }, (refusal) => options.fail && options.fail(refusal))
      .finally(() => options.complete && options.complete());
  },
  // The tester's answer (tester.js): 允许 or 拒绝 at once, or WeChat's prompt in the phone. Each template 允许
  // is a consent the emulator records (one-time, or long-term for a long-term template), as WeChat would.
  // WeChat's own refusals come first (the notes' errCodes): not from a tap (base library ≥ 2.8.2), more than three
  // ids, or one-time and long-term ids mixed.
  requestSubscribeMessage(options) {
    const ids = options.tmplIds || [];
    const fromTap = inTap;
    templatePurposes().then(() => {
      if (!fromTap) return { errMsg: "requestSubscribeMessage:fail can only be invoked by user TAP gesture." };
      if (!ids.length) return { errMsg: "requestSubscribeMessage:fail TmplIds can't be empty", errCode: 10001 };
      if (ids.length > 3) return { errMsg: "requestSubscribeMessage:fail TmplIds count exceeded", errCode: 20003 };
      if (new Set(ids.map((id) => consentKinds[id] || "one_time")).size > 1) {
        return { errMsg: "requestSubscribeMessage:fail Templates types are not consistent", errCode: 20002 };
      }
      return null;
    }).then((refused) => (refused || askConsent(ids).then((accepted) => {
      return Promise.all(ids.map((id) => (accepted
        ? wechat("consents", { openid: openid(), template_id: id, kind: consentKinds[id] || "one_time" })
        : null)))
        .then(() => {
          const answer = { errMsg: "requestSubscribeMessage:ok" };
          ids.forEach((id) => { answer[id] = accepted ? "accept" : "reject"; });
          return answer;
        });
    }))).then((answer) => {
      if (/:fail/.test(answer.errMsg)) { if (options.fail) options.fail(answer); } else if (options.success) options.success(answer);
    }, (error) => options.fail && options.fail(error))
      .finally(() => options.complete && options.complete());
  },
  chooseMedia(options) {
    const types = options.mediaType || ["image"];
    const accept = types.map((type) => (type === "video" ? "video/*" : "image/*")).join(",");
    pickFiles(accept, (options.count || 1) > 1).then((files) => {
      if (!files.length) return options.fail && options.fail({ errMsg: "chooseMedia:fail cancel" });
      return Promise.all(files.map((file) => readAsTempFile(file).then((tempFilePath) => ({
        tempFilePath, size: file.size, fileType: file.type.startsWith("video") ? "video" : "image" }))))
        .then((tempFiles) => options.success({ tempFiles }));
    });
  },
  uploadFile(options) {
    const form = new FormData();
    Object.entries(options.formData || {}).forEach(([key, value]) => form.append(key, value));
    form.append(options.name, picked[options.filePath]);
    fetch(options.url, { method: "POST", headers: Object.assign({}, options.header), body: form })
      .then((response) => response.text().then((text) => ({ statusCode: response.status, data: text })))
      .then((answer) => options.success && options.success(answer), (error) => options.fail && options.fail(error));
  },
  downloadFile(options) {
    fetch(options.url, { headers: Object.assign({}, options.header) })
      .then((response) => response.blob().then((blob) => ({ statusCode: response.status,
                                                            tempFilePath: URL.createObjectURL(blob) })))
      .then((answer) => options.success && options.success(answer), (error) => options.fail && options.fail(error));
  },
  openDocument(options) { window.open(options.filePath, "_blank"); later(options.success, {}); },
  shareFileMessage(options) { later(options.fail, { errMsg: "shareFileMessage:fail 浏览器里不能转发到聊天" }); },
  // A file "from a chat" is a file from the browser's chooser (its extension filter as WeChat's `extension`).
  chooseMessageFile(options) {
    const accept = (options.extension || []).map((ext) => `.${String(ext).replace(/^\./, "")}`).join(",");
    pickFiles(accept, (options.count || 1) > 1).then((files) => {
      if (!files.length) {
        if (options.fail) options.fail({ errMsg: "chooseMessageFile:fail cancel" });
        return options.complete && options.complete();
      }
      return Promise.all(files.map((file) => readAsTempFile(file).then((path) => ({
        path, size: file.size, name: file.name, type: "file", time: Math.floor(file.lastModified / 1000) }))))
        .then((tempFiles) => { if (options.success) options.success({ tempFiles }); })
        .finally(() => options.complete && options.complete());
    });
  },
  // The tester types what the camera would read (e.g. a call screen's BANSHI-HALL:…); 取消 is a cancelled scan.
  scanCode(options) {
    const read = window.prompt("扫码（模拟器里输入二维码的内容）");
    if (read) later(options.success, { result: read, scanType: "QR_CODE", charSet: "utf-8", errMsg: "scanCode:ok" });
    else later(options.fail, { errMsg: "scanCode:fail cancel" });
  },
  getLocation(options) {   // the tester's place, or 拒绝 (the default), as the citizen refusing the location
    const place = tester.settings.location();
    if (place) later(options.success, { errMsg: "getLocation:ok", latitude: place.latitude, longitude: place.longitude, accuracy: 30 });
    else later(options.fail, { errMsg: "getLocation:fail auth deny" });
    later(options.complete, place ? { latitude: place.latitude, longitude: place.longitude } : { errMsg: "getLocation:fail auth deny" });
  },
  setClipboardData(options) {
    const copied = navigator.clipboard ? navigator.clipboard.writeText(options.data).catch(() => {}) : Promise.resolve();
    copied.then(() => options.success && options.success({}));
  },
  showModal: modal,
  showToast(options) { toast(options.title || ""); later(options.success, {}); },
  showLoading() {},
  hideLoading() {},
  stopPullDownRefresh() {},
  setNavigationBarTitle(options) { if (stack.length) showTitle(options.title); },
  // WeChat's font size, as the tester set it: larger than 17 turns 长辈模式 on (app.js's onLaunch reads it).
  getSystemInfoSync() {
    return { fontSizeSetting: tester.settings.fontSize(), windowWidth: 375, windowHeight: 667, platform: "devtools" };
  },
  getSystemSetting() { return { fontSizeSetting: tester.settings.fontSize() }; },
  getStorageSync(key) {
    const value = window.localStorage.getItem(STORAGE_PREFIX + key);
    return value === null ? "" : JSON.parse(value);
  },
  setStorageSync(key, value) { window.localStorage.setItem(STORAGE_PREFIX + key, JSON.stringify(value)); },
  removeStorageSync(key) { window.localStorage.removeItem(STORAGE_PREFIX + key); },
  navigateTo(options) { show(options.url, "push"); later(options.success, {}); },
  redirectTo(options) { show(options.url, "replace"); later(options.success, {}); },
  reLaunch(options) { show(options.url, "relaunch"); later(options.success, {}); },
  switchTab(options) { show(options.url, "relaunch"); later(options.success, {}); },
  navigateBack(options) { back((options && options.delta) || 1); },
};

// WeChat's built-in components, as miniprogram-simulate registers them: a tag that shows its children; the DOM
// bridge below gives the ones a citizen types into or taps their browser behaviour.
const BUILT_IN = ["view", "scroll-view", "swiper", "swiper-item", "movable-area", "movable-view", "cover-view",
                  "cover-image", "icon", "progress", "rich-text", "text", "button", "checkbox", "checkbox-group",
                  "form", "input", "label", "picker", "picker-view", "picker-view-column", "radio", "radio-group",
                  "slider", "switch", "textarea", "navigator", "audio", "camera", "image", "video", "map", "canvas",
                  "web-view", "open-data"];
BUILT_IN.forEach((name) => jComponent.register({ id: name, tagName: `wx-${name}`, template: "<slot/>" }));

// --- pages -------------------------------------------------------------------------------------------------

/** Register a page with exparser once: its Page(options) as a component whose attach runs onLoad, onShow. */
function register(path) {
  if (registered[path]) return registered[path];
  const page = bundle.pages[path];
  if (!page) throw new Error(`no page ${path} in app.json`);
  pendingDefinition = null;
  page.js();
  const options = pendingDefinition || {};
  const methods = {};
  Object.keys(options).forEach((key) => { if (typeof options[key] === "function") methods[key] = options[key]; });
  registered[path] = jComponent.register({
    id: `mp-page-${Object.keys(registered).length + 1}`,
    tagName: "mp-page",
    template: page.wxml.replace(RPX, halfPixels),   // j-component reads 1rpx as 1px; the phone is 375 wide
    usingComponents: {},
    data: options.data || {},
    methods,
    lifetimes: {
      attached() {
        bridgeSetData(this);
        if (this.onLoad) this.onLoad(pendingQuery);
        if (this.onShow) this.onShow();
      },
    },
  });
  return registered[path];
}

/** After every setData exparser has patched the DOM; the built-in fields follow the new attributes. */
function bridgeSetData(instance) {
  const setData = instance.setData;
  instance.setData = function (data, callback) {
    setData.call(this, data, callback);
    upgrade(frame);
  };
}

function parse(url) {
  const [path, search] = url.replace(/^\//, "").split("?");
  return { path, query: Object.fromEntries(new URLSearchParams(search || "")) };
}

function showTitle(title) {
  frame.querySelector(".mp-title").textContent = title;
  frame.querySelector(".mp-back").hidden = stack.length < 2;
}

function show(url, how) {
  const { path, query } = parse(url);
  if (how === "replace" && stack.length) drop(stack.pop());
  if (how === "relaunch") while (stack.length) drop(stack.pop());
  if (stack.length) {
    const below = stack[stack.length - 1];
    below.element.hidden = true;
    if (below.component.instance.onHide) below.component.instance.onHide();
  }
  const element = document.createElement("div");
  element.className = "mp-page";
  element.dataset.page = path;
  frame.querySelector(".mp-pages").appendChild(element);
  pendingQuery = query;
  const component = jComponent.create(register(path));
  const entry = { path, query, component, element };
  stack.push(entry);
  // The .json's title first: the page's onLoad (run by attach) may set its own with wx.setNavigationBarTitle.
  const json = bundle.pages[path].json || {};
  showTitle(json.navigationBarTitleText || bundle.appJson.window.navigationBarTitleText || "");
  component.attach(element);
  upgrade(element);
  frame.querySelector(".mp-pages").scrollTop = 0;   // a new page opens at its top, as in WeChat
  window.history.replaceState(null, "", `#/${url.replace(/^\//, "")}`);
}

/** WeChat's pull-down gesture on the page on top: its onPullDownRefresh, when its .json enables it. */
function pullDownRefresh() {
  const top = stack[stack.length - 1];
  if (!top) return false;
  const json = bundle.pages[top.path].json || {};
  const enabled = json.enablePullDownRefresh !== undefined ? json.enablePullDownRefresh
    : Boolean(bundle.appJson.window && bundle.appJson.window.enablePullDownRefresh);
  if (!enabled || !top.component.instance.onPullDownRefresh) return false;
  top.component.instance.onPullDownRefresh();
  return true;
}

function drop(entry) {
  const instance = entry.component.instance;
  if (instance && instance.onUnload) instance.onUnload();
  entry.component.detach();
  entry.element.remove();
}

function back(delta) {
  for (let i = 0; i < delta && stack.length > 1; i++) drop(stack.pop());
  const top = stack[stack.length - 1];
  top.element.hidden = false;
  const json = bundle.pages[top.path].json || {};
  showTitle(json.navigationBarTitleText || bundle.appJson.window.navigationBarTitleText || "");
  if (top.component.instance.onShow) top.component.instance.onShow();
}

// --- the DOM bridge ------------------------------------------------------------------------------------------

function attrsOf(element) {
  const node = element.__wxElement;
  const values = {};
  ((node && node._vt && node._vt.attrs) || []).forEach(({ name, value }) => { values[name] = value; });
  return values;
}

function fire(target, name, detail, originalEvent) {
  exparser.Event.dispatchEvent(target, exparser.Event.create(name, detail, {
    originalEvent, bubbles: true, capturePhase: true, composed: true,
    extraFields: { touches: {}, changedTouches: {} },
  }));
}

/** <wx-input>/<wx-textarea> get a real field; <wx-button> is a button to assistive technology and the keyboard. */
function upgrade(root) {
  root.querySelectorAll("wx-input, wx-textarea").forEach((host) => {
    const attrs = attrsOf(host);
    let field = host.querySelector(":scope > .mp-field");
    if (!field) {
      field = document.createElement(host.localName === "wx-textarea" ? "textarea" : "input");
      field.className = "mp-field";
      field.addEventListener("input", (event) => fire(host, "input", { value: field.value, cursor: field.value.length }, event));
      field.addEventListener("blur", (event) => fire(host, "blur", { value: field.value }, event));
      field.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && field.localName === "input") fire(host, "confirm", { value: field.value }, event);
      });
      host.appendChild(field);
    }
    if (attrs.placeholder !== undefined) field.placeholder = attrs.placeholder;
    // The field is named by the page's aria-label (as WeChat reads it out), else by its placeholder.
    const name = attrs["aria-label"] !== undefined ? attrs["aria-label"] : attrs.placeholder;
    if (name !== undefined) field.setAttribute("aria-label", name);
    if (attrs.maxlength !== undefined && Number(attrs.maxlength) > 0) field.maxLength = Number(attrs.maxlength);
    if (attrs.type === "number" || attrs.type === "digit" || attrs.type === "idcard") field.inputMode = attrs.type === "idcard" ? "text" : "decimal";
    field.disabled = attrs.disabled === true || attrs.disabled === "true";
    // As in WeChat, the page's `value` sets the field when the page changes it; typing is left alone otherwise
    // (a field without `value`, or one whose value the page keeps as typed).
    if ("value" in attrs && attrs.value !== host.mpValue) {
      host.mpValue = attrs.value;
      const value = attrs.value === undefined || attrs.value === null ? "" : String(attrs.value);
      if (field.value !== value) field.value = value;
    }
  });
  root.querySelectorAll("wx-button").forEach((host) => {
    const attrs = attrsOf(host);
    host.setAttribute("role", "button");
    host.tabIndex = 0;
    host.toggleAttribute("aria-disabled", attrs.disabled === true || attrs.disabled === "true");
    if (attrs.type) host.dataset.type = attrs.type;
  });
  root.querySelectorAll("wx-picker").forEach((host) => {
    host.setAttribute("role", "button");
    host.setAttribute("aria-haspopup", "dialog");
    host.tabIndex = 0;
  });
  root.querySelectorAll("wx-radio, wx-checkbox").forEach((host) => {
    const attrs = attrsOf(host);
    const fromPage = attrs.checked === true || attrs.checked === "" || attrs.checked === "true";
    if (host.mpFromPage !== fromPage) {   // the page's data changed it: follow the page
      host.mpFromPage = fromPage;
      host.mpChecked = fromPage;
    }
    host.setAttribute("role", host.localName === "wx-radio" ? "radio" : "checkbox");
    const label = host.closest("wx-label");   // named by the words of its <label>, as WeChat reads it out
    if (label && label.textContent.trim()) host.setAttribute("aria-label", label.textContent.trim());
    host.setAttribute("aria-checked", String(Boolean(host.mpChecked)));
  });
  root.querySelectorAll("wx-image").forEach((host) => {
    const src = attrsOf(host).src;
    let image = host.querySelector(":scope > img");
    if (!image) {
      image = document.createElement("img");
      image.alt = "";
      host.appendChild(image);
    }
    image.alt = attrsOf(host)["aria-label"] || "";   // the page's words for it (a QR code), else decoration
    if (src && image.getAttribute("src") !== src) image.src = src;
  });
}

function choiceValue(host) {
  const value = attrsOf(host).value;
  return value === undefined || value === null ? "" : String(value);
}

/** A tap on a radio or checkbox (or the label around one): its state, then `change` on its group. */
function choose(box) {
  if (box.localName === "wx-radio") {
    const group = box.closest("wx-radio-group");
    (group || box).querySelectorAll("wx-radio").forEach((radio) => { radio.mpChecked = false; });
    box.mpChecked = true;
    if (group) fire(group, "change", { value: choiceValue(box) });
  } else {
    box.mpChecked = !box.mpChecked;
    const group = box.closest("wx-checkbox-group");
    if (group) {
      const values = [...group.querySelectorAll("wx-checkbox")].filter((c) => c.mpChecked).map(choiceValue);
      fire(group, "change", { value: values });
    }
  }
  upgrade(box.closest(".mp-page") || frame);
}

/** WeChat's picker sheet: a list of the range (detail.value = the index), or a date (detail.value = YYYY-MM-DD);
 *  取消 sends nothing. */
function openPicker(host) {
  const attrs = attrsOf(host);
  sheet("请选择", (body, answer) => {
    if (attrs.mode === "date") {
      const field = document.createElement("input");
      field.type = "date";
      field.className = "mp-date";
      field.setAttribute("aria-label", "日期");
      field.value = attrs.value || "";
      if (attrs.start) field.min = attrs.start;
      if (attrs.end) field.max = attrs.end;
      body.appendChild(field);
      sheetButton(body, "确定", () => field.value && answer(field.value));
    } else {
      (attrs.range || []).forEach((entry, index) => {
        const option = sheetButton(body, attrs["range-key"] && entry && typeof entry === "object"
          ? entry[attrs["range-key"]] : entry, () => answer(index));
        option.className = "mp-option";
      });
    }
    sheetButton(body, "取消", () => answer(null));
  }).then((value) => { if (value !== null) fire(host, "change", { value }); });
}

/** <button open-type="getPhoneNumber">: WeChat asks whether to share the phone bound to this WeChat user; here
 *  the tester types that phone, the emulator mints the one-time code, and `getphonenumber` carries it. */
function askForPhoneNumber(host) {
  sheet("微信手机号", (body, answer) => {
    const question = document.createElement("p");
    question.textContent = "申请获取并验证你的手机号";
    const field = document.createElement("input");
    field.className = "mp-date";
    field.inputMode = "numeric";
    field.maxLength = 11;
    field.setAttribute("aria-label", "微信绑定的手机号（模拟）");
    body.append(question, field);
    sheetButton(body, "允许", () => { if (/^1\d{10}$/.test(field.value.trim())) answer(field.value.trim()); });
    sheetButton(body, "拒绝", () => answer(null));
  }).then((phone) => {
    if (phone === null) return fire(host, "getphonenumber", { errMsg: "getPhoneNumber:fail user deny" });
    return wechat("phone-codes", { openid: openid(), phone })
      .then((grant) => fire(host, "getphonenumber", { errMsg: "getPhoneNumber:ok", code: grant.code }),
            () => fire(host, "getphonenumber", { errMsg: "getPhoneNumber:fail" }));
  });
}

/** A click stands for WeChat's tap on the element under it (exparser bubbles it to the bindtap). */
function bridgeTaps(pages) {
  pages.addEventListener("click", (event) => {
    let target = event.target;   // the innermost element exparser rendered (not a bridged field's own input)
    while (target && target !== pages && !target.__wxElement) target = target.parentElement;
    if (!target || !target.__wxElement || target.closest("wx-button[aria-disabled]")) return;
    // As in WeChat, a tapped checkbox or radio (or its label) turns first; then the page's bindtap runs, and
    // whatever `checked` its data then says is what shows.
    const choice = target.closest("wx-radio, wx-checkbox, wx-label");
    const box = choice && (choice.localName === "wx-label" ? choice.querySelector("wx-radio, wx-checkbox") : choice);
    if (box && !(attrsOf(box).disabled === true)) choose(box);
    inTap = true;   // what the page's handler calls while it runs is called from the citizen's tap
    try {
      fire(target, "tap", { x: event.pageX, y: event.pageY }, event);
    } finally {
      inTap = false;
    }
    const navigator = target.closest("wx-navigator");
    if (navigator && attrsOf(navigator).url) wx.navigateTo({ url: attrsOf(navigator).url });
    const button = target.closest("wx-button");
    if (button && attrsOf(button)["open-type"] === "getPhoneNumber") askForPhoneNumber(button);
    const picker = target.closest("wx-picker");
    if (picker && !(attrsOf(picker).disabled === true)) openPicker(picker);
  });
  pages.addEventListener("keydown", (event) => {
    if ((event.key === "Enter" || event.key === " ") && ["wx-button", "wx-picker"].includes(event.target.localName)) {
      event.preventDefault();
      event.target.click();
    }
  });
}

// --- styles: app.wxss and the page's wxss, with WeChat's tags and rpx turned into the browser's -----------

function css(wxss) {
  return wxss
    .replace(RPX, halfPixels)   // 750rpx = 375px, the phone's width
    .replace(/(^|[\s,}>+~(])(page|view|text|button|input|textarea|image|navigator|label|picker|radio|checkbox)(?=[\s,{.:#[>+~)])/g,
             (_, before, tag) => `${before}${tag === "page" ? ".mp-page" : `wx-${tag}`}`);
}

// A page's wxss applies to that page only, as in WeChat: each of its rules is scoped to the page's element
// (app.wxss applies everywhere). The pages' wxss are plain rules, no @-rules.
function scoped(pagePath, rules) {
  const page = `.mp-page[data-page="${pagePath}"]`;
  return rules.replace(/\/\*[\s\S]*?\*\//g, "").replace(/([^{}]+)\{/g, (_, selectors) => `${selectors.split(",").map((s) => s.trim())
    .filter(Boolean).map((s) => (s === ".mp-page" ? page : `${page} ${s}`)).join(", ")} {`);
}

function start(loaded) {
  bundle = loaded;
  frame = document.getElementById("mp-phone");
  frame.innerHTML = "<div class=\"mp-bar\"><button type=\"button\" class=\"mp-back\" hidden aria-label=\"返回\">‹ 返回</button>" +
    "<span class=\"mp-title\"></span></div><div class=\"mp-pages\" tabindex=\"0\"></div>";   // scrolls: the keyboard can reach it
  frame.querySelector(".mp-back").addEventListener("click", () => back(1));
  const style = document.createElement("style");
  style.textContent = [css(bundle.appWxss), ...Object.entries(bundle.pages).map(([name, page]) => scoped(name, css(page.wxss)))]
    .join("\n");
  document.head.appendChild(style);
  bridgeTaps(frame.querySelector(".mp-pages"));
  tester.fromQuery();
  openid();
  bundle.app();
  if (appOptions && appOptions.onLaunch) appOptions.onLaunch({ path: bundle.appJson.pages[0], query: {} });
  const start = window.location.hash.replace(/^#\//, "") || bundle.appJson.pages[0];
  show(start, "relaunch");
  tester.setup({ openid, pullDownRefresh, open: (page) => show(`/${page.replace(/^\//, "")}`, "relaunch") });
}

module.exports = { start };
