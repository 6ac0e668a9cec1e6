const { api, showError } = require("../../utils/api.js");

Page({
  data: { messages: [], error: "" },
  onShow() {
    api.get("/api/v1/messages").then((data) => {
      this.setData({ messages: data.messages });
      return api.post("/api/v1/messages/read-all");
    }).catch((error) => showError(this, error));
  },
  open(event) {
    const page = event.currentTarget.dataset.page;
    if (page) wx.navigateTo({ url: `/${page}` });
  },
});
