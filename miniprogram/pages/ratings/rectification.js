const { api, showError } = require("../../utils/api.js");

Page({
  data: { rectification: null, error: "", done: "" },
  onLoad(query) {
    this.id = query.id;
    api.get(`/api/v1/rectifications/${this.id}`).then((r) => this.setData({ rectification: r }), (e) => showError(this, e));
  },
  answer(event) {
    const satisfied = event.currentTarget.dataset.satisfied === "true";
    api.post(`/api/v1/rectifications/${this.id}/revisit`, { satisfied })
      .then(() => this.setData({ done: "感谢您的反馈" }), (e) => showError(this, e));
  },
});
