const { api, showError } = require("../../utils/api.js");

Page({
  data: { feedback: null, error: "" },
  onLoad(query) {
    this.id = query.id;
    api.get(`/api/v1/feedback/${this.id}`).then((feedback) => this.setData({ feedback }), (e) => showError(this, e));
  },
  rate() { wx.navigateTo({ url: `/pages/feedback/index?rate=feedback&id=${this.id}` }); },
});
