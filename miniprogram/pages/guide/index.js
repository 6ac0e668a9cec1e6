// 智能导服: ask in your own words; the best answer, where it leads, and 转人工 when the answer is not sure. Below
// the search, every published scenario (情景引导) to browse, each opening its interview.
const { api, showError } = require("../../utils/api.js");
const { answerView } = require("../../utils/guide.js");

Page({
  data: { q: "", view: null, handedOff: "", scenarios: [], elder: false, error: "", fieldErrors: {} },
  onLoad(query) {
    this.setData({ elder: Boolean(getApp().globalData.elder) });
    api.get("/api/v1/guide/scenarios").then((list) => this.setData({ scenarios: list.scenarios }),
                                            (error) => showError(this, error));
    if (query.q) this.setData({ q: decodeURIComponent(query.q) }, () => this.ask());
  },
  onInput(event) { this.setData({ q: event.detail.value }); },
  ask() {
    this.setData({ error: "", fieldErrors: {}, handedOff: "" });
    api.get("/api/v1/guide/search", { q: this.data.q }).then((body) => this.setData({ view: answerView(body) }),
                                                              (error) => showError(this, error));
  },
  suggest(event) { this.setData({ q: event.currentTarget.dataset.q }, () => this.ask()); },
  openScenario(event) {
    wx.navigateTo({ url: `/pages/guide/scenario?code=${encodeURIComponent(event.currentTarget.dataset.code)}` });
  },
  openItem(event) {
    wx.navigateTo({ url: `/pages/items/index?code=${encodeURIComponent(event.currentTarget.dataset.code)}` });
  },
  handOff() {
    api.post("/api/v1/guide/handoff", { q: this.data.q }).then((done) => this.setData({ handedOff: done.message }),
                                                               (error) => showError(this, error));
  },
});
