const { api, showError } = require("../../utils/api.js");
const { slotTime } = require("../../utils/format.js");

Page({
  data: { messages: [], error: "" },
  onShow() { this.fresh = {}; this.load(); },
  // Pulling the list down fetches it again: a message that came while the page was open shows up.
  onPullDownRefresh() { this.load().then(() => wx.stopPullDownRefresh && wx.stopPullDownRefresh()); },
  load() {
    return api.get("/api/v1/messages").then((data) => {
      // What was unread when this visit first showed it stays marked 新消息 for the whole visit (each load marks
      // what it listed read on the server; a pull-down would otherwise unmark what the reader has not looked at).
      data.messages.forEach((m) => { if (!m.read) this.fresh[m.id] = true; });
      const messages = data.messages.map((m) => Object.assign({}, m, { when: slotTime(m.at), fresh: !!this.fresh[m.id] }));
      this.setData({ messages, error: "" });
      // Only what was there when the list was read is marked read: one that arrives meanwhile stays new.
      return api.post("/api/v1/messages/read-all", { as_of: data.as_of });
    }).catch((error) => showError(this, error));
  },
  open(event) {
    const page = event.currentTarget.dataset.page;
    if (page) wx.navigateTo({ url: `/${page}` });
  },
});
