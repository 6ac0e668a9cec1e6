// 证照: the citizen's licences (matched to their verified identity), expiry in words, renewal one tap away.
const { api, showError } = require("../../utils/api.js");
const { licenceState } = require("../../utils/format.js");
const { explain } = require("../../utils/glossary.js");

Page({
  data: { licences: [], certificates: [], loaded: false, error: "", certificateExplained: explain("certificate") },
  onShow() {
    Promise.all([api.get("/api/v1/licences"), api.get("/api/v1/certificates")]).then(([data, signed]) => this.setData({
      loaded: true,
      licences: data.licences.map((l) => Object.assign({}, l, { state: licenceState(l) })),
      certificates: signed.certificates,
    }), (error) => showError(this, error));
  },
  openCertificate(event) { wx.navigateTo({ url: `/pages/licences/certificate?id=${event.currentTarget.dataset.id}` }); },
  renew(event) { wx.navigateTo({ url: `/${event.currentTarget.dataset.page}` }); },
});
