// 证照: the citizen's licences (matched to their verified identity), expiry in words, renewal one tap away.
const { api, showError } = require("../../utils/api.js");
const { licenceState } = require("../../utils/format.js");

Page({
  data: { licences: [], loaded: false, error: "" },
  onShow() {
    api.get("/api/v1/licences").then((data) => this.setData({
      loaded: true,
      licences: data.licences.map((l) => Object.assign({}, l, { state: licenceState(l) })),
    }), (error) => showError(this, error));
  },
  renew(event) { wx.navigateTo({ url: `/${event.currentTarget.dataset.page}` }); },
});
