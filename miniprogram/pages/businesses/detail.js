// 一家企业: what the citizen sees as its legal representative or agent — the business's licences and 电子证照,
// its online filings and cases, the policies it matches, and the 批量办理 filed for it that the citizen handles
// as the batch's agent (each member's outcome). Everything comes from calls that check the link is in force.
const { api, showError } = require("../../utils/api.js");
const { licenceState } = require("../../utils/format.js");
const { batchProgressText, filingState } = require("../../utils/business.js");

Page({
  data: { id: "", business: null, certificates: [], filings: [], matches: [], batches: [], open: "", elder: false,
          certificatesError: "", filingsError: "", matchesError: "", loaded: false, error: "", fieldErrors: {} },
  onLoad(query) {
    this.setData({ id: query.id || "", elder: getApp().globalData.elder });
  },
  onShow() { return this.load(); },
  load() {
    const id = this.data.id;
    return api.get(`/api/v1/businesses/${id}`).then((business) => {
      this.setData({
        loaded: true, error: "",
        business: Object.assign({}, business, {
          licences: business.licences.map((l) => Object.assign({}, l, { state: licenceState(l) })),
          until: business.my_link_expires_at ? business.my_link_expires_at.slice(0, 10) : "" }),
        batches: business.batches.map((b) => Object.assign({}, b, { progressText: batchProgressText(b) })),
      });
      // What else the business has: its certificates, filings and policy matches (the citizen's lists, filtered
      // to this business). Each part says its own failure; the rest still shows.
      return Promise.all([
        api.get("/api/v1/certificates").then((data) => this.setData({
          certificates: data.certificates.filter((c) => c.credit_code === business.credit_code) }),
        (error) => this.setData({ certificatesError: error.message })),
        api.get("/api/v1/filings").then((data) => this.setData({
          filings: data.filings.filter((f) => String(f.business_id) === String(business.id))
            .map((f) => Object.assign({}, f, { state: filingState(f) })) }),
        (error) => this.setData({ filingsError: error.message })),
        api.get("/api/v1/policy-matches").then((data) => this.setData({
          matches: data.matches.filter((m) => String(m.business_id) === String(business.id)) }),
        (error) => this.setData({ matchesError: error.message })),
      ]);
    }, (error) => { this.setData({ loaded: true }); showError(this, error); });
  },
  openCertificate(event) { wx.navigateTo({ url: `/pages/licences/certificate?id=${event.currentTarget.dataset.id}` }); },
  openCase(event) {
    const reference = event.currentTarget.dataset.ref;
    if (reference) wx.navigateTo({ url: `/pages/applications/detail?ref=${reference}` });
  },
  openMatch(event) { wx.navigateTo({ url: `/pages/policies/match?id=${event.currentTarget.dataset.id}` }); },
  toggleBatch(event) {
    const reference = event.currentTarget.dataset.ref;
    this.setData({ open: this.data.open === reference ? "" : reference });
  },
  renew(event) { wx.navigateTo({ url: `/${event.currentTarget.dataset.page}` }); },
});
