// 我的申报: one's online filings — unsent drafts first (tap to go on filling the same draft), then submitted
// ones with their 受理编号 (tap to follow the case).
const { api, showError } = require("../../utils/api.js");
const { filingList } = require("../../utils/filing.js");

Page({
  data: { elder: false, filings: [], loaded: false, error: "", fieldErrors: {} },
  onShow() {
    this.setData({ elder: Boolean(getApp().globalData.elder) });
    return api.get("/api/v1/filings").then((data) => this.setData({ filings: filingList(data.filings), loaded: true }),
                                           (error) => showError(this, error));
  },
  open(event) {
    const row = this.data.filings.find((f) => String(f.id) === String(event.currentTarget.dataset.id));
    if (!row) return;
    if (row.draft) wx.navigateTo({ url: `/pages/filing/index?id=${row.id}` });
    else wx.navigateTo({ url: `/pages/${row.bundle ? "bundles" : "applications"}/detail?ref=${encodeURIComponent(row.reference)}` });
  },
  findItem() { wx.navigateTo({ url: "/pages/items/index" }); },
});
