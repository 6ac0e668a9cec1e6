// The tester's panel beside the phone (simulator/static/mp.html): what WeChat itself would decide on a real
// phone — which WeChat user this is, how the face check goes, the answer to a subscribe-message prompt, the
// font size (which turns 长辈模式 on), where the phone is — and the 服务通知 WeChat delivered to this user.
//
// The choices are kept in localStorage under `banshi.tester.` (the phone's own storage, `banshi.mp.`, is
// wiped when the user changes; these are the tester's). A test sets them before launch by the query string:
//   ?openid=o-…        the WeChat test user (a fresh phone when it changes)
//   ?face=10000|10004|10002|90002   wx.requestFacialVerify's outcome (passed, not the same person, too dark, cancelled)
//   ?consent=accept|ask|reject      wx.requestSubscribeMessage: allow at once, show WeChat's prompt, refuse at once
//   ?font=17|20|24                  WeChat's font size (标准, 大, 特大); above 17 the mini-program opens in 长辈模式
//   ?location=deny|LAT,LNG          wx.getLocation refused (the default) or answered with that place
const PREFIX = "banshi.tester.";
const USERS = `${PREFIX}users`;
const FACE_OUTCOMES = { 10000: "本人刷脸，核验通过", 10004: "不是本人", 10002: "光线太暗，未检测到人脸", 90002: "中途取消" };
const CONSENTS = ["accept", "ask", "reject"];
const FONT_SIZES = { 17: "标准", 20: "大", 24: "特大" };
const INBOX_EVERY = 5000;

function read(name, fallback) {
  const value = window.localStorage.getItem(PREFIX + name);
  return value === null ? fallback : value;
}

function write(name, value) { window.localStorage.setItem(PREFIX + name, String(value)); }

/** The query string's choices, checked, into storage: they hold until the tester changes them. */
function fromQuery() {
  const query = new URLSearchParams(window.location.search);
  const face = query.get("face");
  if (face && FACE_OUTCOMES[face]) write("face", face);
  const consent = query.get("consent");
  if (CONSENTS.includes(consent)) write("consent", consent);
  const font = query.get("font");
  if (font && FONT_SIZES[font]) write("font", font);
  const location = query.get("location");
  if (location === "deny") write("location", "deny");
  else if (location && /^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/.test(location)) write("location", location);
}

const settings = {
  faceOutcome: () => Number(read("face", "10000")),
  consent: () => read("consent", "accept"),
  fontSize: () => Number(read("font", "17")),
  /** {latitude, longitude}, or null when the tester refuses the location (the default). */
  location() {
    const value = read("location", "deny");
    if (value === "deny") return null;
    const [latitude, longitude] = value.split(",").map(Number);
    return { latitude, longitude };
  },
};

function users() {
  try { return JSON.parse(read("users", "[]")); } catch (error) { return []; }
}

function remember(openid, label) {
  const list = users();
  if (!list.some((user) => user.openid === openid)) {
    list.push({ openid, label: label || openid });
    window.localStorage.setItem(USERS, JSON.stringify(list));
  }
}

/** The mini-program started again for this WeChat user (or with other settings): a new page load, as WeChat
 *  starts the mini-program anew; `hash` keeps the page that was open. */
function relaunch(changes, keepPage) {
  const query = new URLSearchParams(window.location.search);
  Object.entries(changes).forEach(([key, value]) => query.set(key, value));
  window.location.assign(`${window.location.pathname}?${query}${keepPage ? window.location.hash : ""}`);
}

function text(tag, value, className) {
  const node = document.createElement(tag);
  node.textContent = value;
  if (className) node.className = className;
  return node;
}

/** One 服务通知 as WeChat lists it: the template's values, when it came, and the page it opens. */
function notice(message, open) {
  const item = document.createElement("li");
  item.className = "tester-notice";
  Object.values(message.data || {}).forEach((value) => item.appendChild(text("p", String(value))));
  if (message.received_at) {
    const at = new Date(message.received_at * 1000);
    item.appendChild(text("p", `收到：${at.toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" })}`, "muted"));
  }
  if (message.page) {
    const button = text("button", "进入小程序查看");
    button.type = "button";
    button.addEventListener("click", () => open(message.page));
    item.appendChild(button);
  }
  return item;
}

/** Wire the panel: `phone` is the runtime's side (openid, the page stack's pull-down refresh, reLaunch). */
function setup(phone) {
  const panel = document.getElementById("tester");
  if (!panel) return;
  const $ = (id) => document.getElementById(id);
  const openid = phone.openid();
  remember(openid);

  // Who is using the phone.
  const current = users().find((user) => user.openid === openid);
  $("tester-current-name").textContent = current && current.label !== openid ? `${current.label}（${openid}）` : openid;
  const choose = $("tester-users");
  users().forEach((user) => {
    const option = text("option", user.label === user.openid ? user.openid : `${user.label}（${user.openid}）`);
    option.value = user.openid;
    option.selected = user.openid === openid;
    choose.appendChild(option);
  });
  $("tester-switch").addEventListener("click", () => {
    if (choose.value && choose.value !== openid) relaunch({ openid: choose.value }, false);
  });
  $("tester-create").addEventListener("click", () => {
    const label = $("tester-new-name").value.trim() || "测试用户";
    const fresh = `o-mp-${Math.random().toString(36).slice(2, 12)}`;
    remember(fresh, label);
    relaunch({ openid: fresh }, false);
  });

  // How WeChat answers.
  const face = $("tester-face");
  face.value = String(settings.faceOutcome());
  face.addEventListener("change", () => write("face", face.value));
  const consent = $("tester-consent");
  consent.value = settings.consent();
  consent.addEventListener("change", () => write("consent", consent.value));
  const font = $("tester-font");
  font.value = String(settings.fontSize());
  font.addEventListener("change", () => { write("font", font.value); relaunch({ font: font.value }, true); });

  const place = settings.location();
  const lat = $("tester-lat");
  const lng = $("tester-lng");
  if (place) { lat.value = place.latitude; lng.value = place.longitude; }
  $(place ? "tester-location-allow" : "tester-location-deny").checked = true;
  const saveLocation = () => {
    const allowed = $("tester-location-allow").checked;
    const valid = Number.isFinite(Number(lat.value)) && Number.isFinite(Number(lng.value)) && lat.value && lng.value;
    write("location", allowed && valid ? `${Number(lat.value)},${Number(lng.value)}` : "deny");
  };
  panel.querySelectorAll("input[name='tester-location'], #tester-lat, #tester-lng")
    .forEach((input) => input.addEventListener("change", saveLocation));

  // The page on top: WeChat's pull-down gesture.
  $("tester-refresh-page").addEventListener("click", () => {
    $("tester-page-status").textContent = phone.pullDownRefresh() ? "已下拉刷新当前页面" : "当前页面不支持下拉刷新";
  });

  // 服务通知, refreshed every few seconds; the status line says when new ones came.
  const list = $("tester-inbox");
  let seen = null;
  const load = () => fetch(`/simulator/wechat/inbox?openid=${encodeURIComponent(openid)}`)
    .then((response) => (response.ok ? response.json() : Promise.reject(response)))
    .then((messages) => {
      const newest = messages.slice().reverse();
      list.replaceChildren(...(newest.length ? newest.map((message) => notice(message, phone.open))
        : [text("li", "暂无服务通知（小程序请求订阅、您点了允许之后，微信才会发来）")]));
      if (seen !== null && messages.length > seen) $("tester-inbox-status").textContent = `收到 ${messages.length - seen} 条新的服务通知`;
      seen = messages.length;
    }, () => { $("tester-inbox-status").textContent = "服务通知暂时读不到（微信模拟器没有启动？）"; });
  $("tester-inbox-refresh").addEventListener("click", load);
  load();
  window.setInterval(load, INBOX_EVERY);
}

module.exports = { settings, fromQuery, setup, FACE_OUTCOMES };
