// 订阅通知: every notice the app can send through WeChat, what it is for and whether it is on, in words. 允许接收通知
// asks WeChat for up to three not yet on (WeChat's limit per tap) and says how many are left for the next tap.
const { api, showError } = require("../../utils/api.js");
const { requestConsents, consentRows, leftText } = require("../../utils/consent.js");

function askWeChat(ids) {
  return new Promise((resolve) => wx.requestSubscribeMessage({ tmplIds: ids, success: resolve, fail: () => resolve({}) }));
}

Page({
  data: { rows: [], allOn: false, loaded: false, result: "", elder: false, error: "", fieldErrors: {} },
  onLoad() { this.setData({ elder: Boolean(getApp().globalData.elder) }); },
  onShow() { return this.load(); },
  load() {
    return api.get("/api/v1/subscriptions").then((list) => this.show(list), (error) => showError(this, error));
  },
  show(list) {
    const rows = consentRows(list);
    this.setData({ loaded: true, rows, allOn: rows.every((row) => row.on), error: "" });
  },
  // The prompt must come from a tap (WeChat refuses it otherwise): this handler is the tap.
  allow() {
    this.setData({ error: "", result: "" });
    return requestConsents(api, askWeChat)
      .then((answer) => this.load().then(() => this.setData({ result: leftText(answer.left) })),
            (error) => showError(this, error));
  },
});
