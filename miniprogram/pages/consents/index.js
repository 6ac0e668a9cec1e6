// 订阅通知: every notice the app can send through WeChat, what it is for and whether it is on, in words. 允许接收通知
// asks WeChat, straight from the tap, for up to three of one kind (WeChat's limits) and says how many are left.
const { api, showError } = require("../../utils/api.js");
const { askable, askWeChat, consentRows, leftText, requestConsents } = require("../../utils/consent.js");

const NO_PROMPT = "微信没有弹出订阅提示。如果您在微信里关了订阅消息，请到微信“设置 - 订阅消息”里打开，再点一次。";

Page({
  data: { rows: [], allOn: false, loaded: false, result: "", elder: false, error: "", fieldErrors: {} },
  onLoad() { this.setData({ elder: Boolean(getApp().globalData.elder) }); },
  onShow() { return this.load(); },
  load() {
    return api.get("/api/v1/subscriptions").then((list) => this.show(list.subscriptions || []),
                                                (error) => showError(this, error));
  },
  show(list) {
    this.list = list;
    this.setData({ loaded: true, rows: consentRows({ subscriptions: list }), allOn: !list.some(askable), error: "" });
  },
  // WeChat opens its prompt only when asked straight from a tap: this handler is the tap, and the list it asks
  // from was loaded when the page showed.
  allow() {
    this.setData({ error: "", result: "" });
    return requestConsents(api, askWeChat, this.list || [])
      .then((answer) => {
        this.show(answer.subscriptions);
        this.setData(answer.failed ? { error: NO_PROMPT } : { result: leftText(answer.left) });
      }, (error) => showError(this, error));
  },
});
