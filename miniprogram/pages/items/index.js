const { api, showError } = require("../../utils/api.js");
const { guideLines, materialLine } = require("../../utils/format.js");

Page({
  // forBooking: opened from 预约办事 (the item is chosen first); searched: a search answered, to say when it found none.
  data: { q: "", items: [], item: null, online: false, guide: [], materials: [], error: "", fieldErrors: {},
          forBooking: false, searched: false, searchedFor: "" },
  onLoad(query) {
    this.setData({ forBooking: query.for === "book" });
    if (query.code) this.open(query.code);
    else this.search();
  },
  onInput(event) { this.setData({ q: event.detail.value }); },
  search() {
    const q = this.data.q;
    api.get("/api/v1/items", { q }).then((data) => this.setData({ items: data.items, item: null, searched: Boolean(q),
                                                                  searchedFor: q }),
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
  askGuide() { wx.navigateTo({ url: `/pages/guide/index?q=${encodeURIComponent(this.data.searchedFor)}` }); },
  book() { wx.navigateTo({ url: `/pages/book/index?code=${encodeURIComponent(this.data.item.code)}` }); },
});
