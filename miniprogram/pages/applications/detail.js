const { api, showError } = require("../../utils/api.js");

Page({
  data: { reference: "", phoneLast4: "", application: null, error: "", fieldErrors: {} },
  onLoad(query) { if (query.ref) this.load(query.ref); },
  load(reference) {
    api.get(`/api/v1/applications/${encodeURIComponent(reference)}`)
      .then((application) => this.setData({ application }), (error) => showError(this, error));
  },
  onReference(event) { this.setData({ reference: event.detail.value }); },
  onPhone(event) { this.setData({ phoneLast4: event.detail.value }); },
  openBundle() { wx.navigateTo({ url: `/pages/bundles/detail?ref=${this.data.application.bundle_reference}` }); },
  rate() { wx.navigateTo({ url: `/pages/feedback/index?rate=application&id=${this.data.application.id}` }); },
  lookup() {
    this.setData({ error: "", fieldErrors: {} });
    api.post("/api/v1/applications/lookup", { reference: this.data.reference.trim().toUpperCase(),
                                              phone_last4: this.data.phoneLast4.trim() })
      .then((application) => this.setData({ application }), (error) => showError(this, error));
  },
});
