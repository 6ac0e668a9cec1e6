// 取号: a walk-in number for an item at a nearby hall; where the hall asks for it, scan its call screen's code.
const { api, showError } = require("../../utils/api.js");
const { hallCode, ticketWords } = require("../../utils/format.js");

function scan() {
  return new Promise((resolve, reject) => wx.scanCode({ onlyFromCamera: true, success: resolve, fail: reject }));
}

Page({
  data: { item: "", centres: [], centreIndex: 0, ticket: null, ticketLines: [], error: "", fieldErrors: {} },
  onLoad(query) {
    this.setData({ item: query.item || "" });
    wx.getLocation({ type: "gcj02", complete: (where) => this.loadCentres(where && where.latitude, where && where.longitude) });
  },
  loadCentres(lat, lng) {
    if (!this.data.item) return;
    api.get("/api/v1/centres", { item: this.data.item, lat, lng })
      .then((data) => this.setData({ centres: data.centres }), (error) => showError(this, error));
  },
  pickCentre(event) { this.setData({ centreIndex: Number(event.detail.value) }); },
  take() {
    const centre = this.data.centres[this.data.centreIndex];
    if (!centre) return;
    this.setData({ error: "", fieldErrors: {} });
    const path = `/api/v1/centres/${centre.id}/tickets`;
    api.post(path, { item_code: this.data.item })
      .catch((error) => {
        if (error.code !== "presence_required") throw error;
        return scan().then((scanned) => api.post(path, { item_code: this.data.item, token: hallCode(scanned.result) }));
      })
      .then((ticket) => this.setData({ ticket, ticketLines: ticketWords(ticket) }), (error) => showError(this, error));
  },
});
