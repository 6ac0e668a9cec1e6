const { api, showError } = require("../../utils/api.js");
const { guideLines, materialLine } = require("../../utils/format.js");

Page({
  data: { q: "", items: [], item: null, online: false, guide: [], materials: [], error: "", fieldErrors: {} },
  onLoad(query) {
    if (query.code) this.open(query.code);
    else this.search();
  },
  onInput(event) { this.setData({ q: event.detail.value }); },
  search() {
    api.get("/api/v1/items", { q: this.data.q }).then((data) => this.setData({ items: data.items, item: null }),
                                                      (error) => showError(this, error));
  },
  pick(event) { this.open(event.currentTarget.dataset.code); },
  open(code) {
    api.get(`/api/v1/items/${encodeURIComponent(code)}`).then((item) => this.setData({
      item, online: item.online_form === true, guide: guideLines(item.guide), materials: item.materials.map(materialLine) }),
                                                             (error) => showError(this, error));
  },
  file() { wx.navigateTo({ url: `/pages/filing/index?code=${encodeURIComponent(this.data.item.code)}` }); },
  askForHelp() { wx.navigateTo({ url: `/pages/assistance/index?code=${encodeURIComponent(this.data.item.code)}` }); },
  book() { wx.navigateTo({ url: `/pages/book/index?code=${encodeURIComponent(this.data.item.code)}` }); },
});
