// 帮办进度: the timeline, the helper, a grant to confirm or end, withdraw, and rating the helper once closed.
const { api, showError } = require("../../utils/api.js");
const { assistanceActions } = require("../../utils/format.js");

Page({
  data: { elder: false, request: null, actions: {}, error: "", fieldErrors: {}, done: "" },
  onLoad(query) {
    this.id = query.id;
    this.setData({ elder: getApp().globalData.elder });
  },
  onShow() { this.load(); },
  load() {
    api.get(`/api/v1/assistance/${this.id}`).then((request) => this.setData({ request, actions: assistanceActions(request) }),
                                                  (error) => showError(this, error));
  },
  grant(event, act, done) {
    const id = event.currentTarget.dataset.id;
    api.post(`/api/v1/assistance/${this.id}/grants/${id}/${act}`, {})
      .then(() => { this.setData({ done }); this.load(); }, (error) => showError(this, error));
  },
  confirmGrant(event) { this.grant(event, "confirm", "已同意，帮办员可以在授权时间内代您预约"); },
  // Plain words on both buttons (an elderly citizen reads 是，结束授权 / 不结束, not 确定 / 取消).
  endGrant(event) {
    const source = { currentTarget: { dataset: event.currentTarget.dataset } };
    wx.showModal({ title: "结束代办授权", content: "结束后，帮办员立即不能再代您办理。", confirmText: "是，结束授权",
                   cancelText: "不结束", success: (answer) => { if (answer.confirm) this.grant(source, "revoke", "授权已结束"); } });
  },
  withdraw() {
    wx.showModal({ title: "撤回帮办请求", content: "撤回后帮办员不再为您办理，可以随时重新提交。", confirmText: "是，撤回",
                   cancelText: "不撤回", success: (answer) => {
                     if (!answer.confirm) return;
                     api.post(`/api/v1/assistance/${this.id}/withdraw`, {})
                       .then(() => { this.setData({ done: "已撤回" }); this.load(); }, (error) => showError(this, error));
                   } });
  },
  // The shared rating page: the five levels with none chosen for the citizen (国办 2019 好差评 rules).
  rate() { wx.navigateTo({ url: `/pages/feedback/index?rate=assistance&id=${this.id}` }); },
});
