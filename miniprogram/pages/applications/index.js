// 我的办件: one's cases (and those one is the named 代办人 for), newest first, each opening its progress; one's
// 一件事 above them; a case filed at a counter is added by 凭回执查询. Reached from 我的.
const { api, showError } = require("../../utils/api.js");
const { bundleRows, caseRows } = require("../../utils/cases.js");

Page({
  data: { loaded: false, cases: [], bundles: [], elder: false, error: "" },
  onLoad() { this.setData({ elder: Boolean(getApp().globalData.elder) }); },
  onShow() { return this.load(); },
  load() {
    return Promise.all([api.get("/api/v1/applications"), api.get("/api/v1/bundle-cases")])
      .then(([list, bundles]) => this.setData({ loaded: true, cases: caseRows(list.applications),
                                                bundles: bundleRows(bundles.bundle_cases), error: "" }),
            (error) => showError(this, error));
  },
  open(event) {
    wx.navigateTo({ url: `/pages/applications/detail?ref=${encodeURIComponent(event.currentTarget.dataset.ref)}` });
  },
  openBundle(event) {
    wx.navigateTo({ url: `/pages/bundles/detail?ref=${encodeURIComponent(event.currentTarget.dataset.ref)}` });
  },
  lookup() { wx.navigateTo({ url: "/pages/applications/detail" }); },
});
