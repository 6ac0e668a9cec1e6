// 帮办进度: the timeline, the helper, a grant to confirm or end, withdraw, and rating the helper once closed.
const { api, showError } = require("../../utils/api.js");
const { assistanceActions, dayWords, slotTime } = require("../../utils/format.js");

Page({
  // asking: the question on the page before an act that cannot be undone ("withdraw", or "end" a grant): asked on
  // the page itself, never in a pop-up (长辈模式), with plain words on both buttons.
  data: { elder: false, request: null, actions: {}, error: "", fieldErrors: {}, done: "", asking: "", askingId: null },
  onLoad(query) {
    this.id = query.id;
    this.setData({ elder: getApp().globalData.elder });
  },
  onShow() { this.load(); },
  load() {
    // Times read as people say them (11月23日（周一）08:00), never the API's ISO form.
    api.get(`/api/v1/assistance/${this.id}`).then((request) => {
      const timeline = (request.timeline || []).map((entry) => Object.assign({}, entry, { when: slotTime(entry.at) }));
      const grants = (request.grants || []).map((g) => Object.assign({}, g, { until: slotTime(g.expires_at) }));
      const shown = Object.assign({}, request, { timeline, grants, due_words: dayWords(request.contact_due_on) });
      this.setData({ request: shown, actions: assistanceActions(shown) });
    }, (error) => showError(this, error));
  },
  grant(event, act, done) {
    const id = event.currentTarget.dataset.id;
    api.post(`/api/v1/assistance/${this.id}/grants/${id}/${act}`, {})
      .then(() => { this.setData({ done }); this.load(); }, (error) => showError(this, error));
  },
  confirmGrant(event) { this.grant(event, "confirm", "已同意，帮办员可以在授权时间内代您预约"); },
  // Plain words on both buttons (an elderly citizen reads 是，结束授权 / 不结束, not 确定 / 取消).
  endGrant(event) { this.setData({ asking: "end", askingId: event.currentTarget.dataset.id, done: "" }); },
  yesEndGrant() {
    const source = { currentTarget: { dataset: { id: this.data.askingId } } };
    this.setData({ asking: "", askingId: null });
    this.grant(source, "revoke", "授权已结束");
  },
  withdraw() { this.setData({ asking: "withdraw", done: "" }); },
  yesWithdraw() {
    this.setData({ asking: "" });
    api.post(`/api/v1/assistance/${this.id}/withdraw`, {})
      .then(() => { this.setData({ done: "已撤回" }); this.load(); }, (error) => showError(this, error));
  },
  // One handler for the question's 是 button (a handler named by an expression is not bound by every base library).
  answerYes() { if (this.data.asking === "withdraw") this.yesWithdraw(); else this.yesEndGrant(); },
  notNow() { this.setData({ asking: "", askingId: null }); },
  // The shared rating page: the five levels with none chosen for the citizen (国办 2019 好差评 rules).
  rate() { wx.navigateTo({ url: `/pages/feedback/index?rate=assistance&id=${this.id}` }); },
});
