// 一件事: the bundles offered (several items in one go: one form, one set of materials, or one visit), each
// filed on the phone or booked as one visit; below them one's own 一件事 cases. Reached from the home page.
const { api, showError } = require("../../utils/api.js");
const { bundleOffers, bundleRows } = require("../../utils/cases.js");

Page({
  data: { loaded: false, offers: [], mine: [], elder: false, error: "" },
  onLoad() { this.setData({ elder: Boolean(getApp().globalData.elder) }); },
  onShow() {
    return Promise.all([api.get("/api/v1/bundles"), api.get("/api/v1/bundle-cases")])
      .then(([offered, mine]) => this.setData({ loaded: true, offers: bundleOffers(offered.bundles),
                                                mine: bundleRows(mine.bundle_cases), error: "" }),
            (error) => showError(this, error));
  },
  file(event) { wx.navigateTo({ url: `/pages/filing/index?bundle=${encodeURIComponent(event.currentTarget.dataset.code)}` }); },
  book(event) { wx.navigateTo({ url: `/pages/bundles/book?code=${encodeURIComponent(event.currentTarget.dataset.code)}` }); },
  openCase(event) {
    wx.navigateTo({ url: `/pages/bundles/detail?ref=${encodeURIComponent(event.currentTarget.dataset.ref)}` });
  },
});
