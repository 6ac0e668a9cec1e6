const { api, showError } = require("../../utils/api.js");

Page({
  data: { messages: [], error: "" },
  onShow() { this.load(); },
  // Pulling the list down fetches it again: a message that came while the page was open shows up.
  onPullDownRefresh() { this.load().then(() => wx.stopPullDownRefresh && wx.stopPullDownRefresh()); },
  load() {
    return api.get("/api/v1/messages").then((data) => {
      this.setData({ messages: data.messages, error: "" });
      return api.post("/api/v1/messages/read-all");
    }).catch((error) => showError(this, error));
  },
  open(event) {
    const page = event.currentTarget.dataset.page;
    if (page) wx.navigateTo({ url: `/${page}` });
  },
});
