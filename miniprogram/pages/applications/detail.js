const { api, showError } = require("../../utils/api.js");
const { deliveryView } = require("../../utils/business.js");

Page({
  data: { reference: "", phoneLast4: "", application: null, delivery: null, copied: "", elder: false, error: "",
          fieldErrors: {} },
  onLoad(query) {
    this.setData({ elder: getApp().globalData.elder });
    if (query.ref) this.load(query.ref);
  },
  load(reference) {
    api.get(`/api/v1/applications/${encodeURIComponent(reference)}`)
      .then((application) => this.show(application), (error) => showError(this, error));
  },
  // The case with how its result comes: a mailed one's carrier, tracking number and where it is (已邮寄).
  show(application) { this.setData({ application, delivery: deliveryView(application), copied: "" }); },
  copyTracking() {
    const tracking = this.data.delivery && this.data.delivery.tracking;
    if (!tracking) return;
    wx.setClipboardData({ data: tracking,
                          success: () => this.setData({ copied: "运单号已复制，可到快递公司的小程序或电话查询" }) });
  },
  onReference(event) { this.setData({ reference: event.detail.value }); },
  onPhone(event) { this.setData({ phoneLast4: event.detail.value }); },
  openBundle() { wx.navigateTo({ url: `/pages/bundles/detail?ref=${this.data.application.bundle_reference}` }); },
  rate() { wx.navigateTo({ url: `/pages/feedback/index?rate=application&id=${this.data.application.id}` }); },
  lookup() {
    this.setData({ error: "", fieldErrors: {} });
    api.post("/api/v1/applications/lookup", { reference: this.data.reference.trim().toUpperCase(),
                                              phone_last4: this.data.phoneLast4.trim() })
      .then((application) => this.show(application), (error) => showError(this, error));
  },
});
