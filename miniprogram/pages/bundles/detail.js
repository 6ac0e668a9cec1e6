// 一件事: the parent case — each item with its department, state and due date, one timeline, one rating.
const { api, showError } = require("../../utils/api.js");
const { explain } = require("../../utils/glossary.js");

Page({
  data: { bundle: null, bundleExplained: explain("bundle"), error: "", fieldErrors: {} },
  onLoad(query) { if (query.ref) this.load(query.ref); },
  load(reference) {
    api.get(`/api/v1/bundle-cases/${encodeURIComponent(reference)}`)
      .then((bundle) => this.setData({ bundle }), (error) => showError(this, error));
  },
  openItem(event) {
    wx.navigateTo({ url: `/pages/applications/detail?ref=${event.currentTarget.dataset.ref}` });
  },
  rate() { wx.navigateTo({ url: `/pages/feedback/index?rate=bundle&id=${this.data.bundle.id}` }); },
});
