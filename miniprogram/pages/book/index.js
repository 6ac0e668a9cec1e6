const { api, showError } = require("../../utils/api.js");
const { slotsByPeriod } = require("../../utils/format.js");
const { requestConsents } = require("../../utils/consent.js");

function askWeChat(ids) {
  return new Promise((resolve) => wx.requestSubscribeMessage({ tmplIds: ids, success: resolve, fail: () => resolve({}) }));
}

Page({
  data: { code: "", centres: [], centreIndex: 0, date: "", periods: { morning: [], afternoon: [] }, slotId: null,
          error: "", fieldErrors: {} },
  onLoad(query) {
    this.setData({ code: query.code });
    wx.getLocation({ type: "gcj02", complete: (where) => this.loadCentres(where && where.latitude, where && where.longitude) });
  },
  loadCentres(lat, lng) {
    api.get("/api/v1/centres", { item: this.data.code, lat, lng })
      .then((data) => this.setData({ centres: data.centres }), (error) => showError(this, error));
  },
  pickCentre(event) { this.setData({ centreIndex: Number(event.detail.value) }); this.loadSlots(); },
  pickDate(event) { this.setData({ date: event.detail.value }); this.loadSlots(); },
  loadSlots() {
    const centre = this.data.centres[this.data.centreIndex];
    if (!centre || !this.data.date) return;
    api.get(`/api/v1/centres/${centre.id}/slots`, { item: this.data.code, date: this.data.date })
      .then((data) => this.setData({ periods: slotsByPeriod(data.slots), slotId: null }),
            (error) => showError(this, error));
  },
  pickSlot(event) { this.setData({ slotId: Number(event.currentTarget.dataset.id) }); },
  book() {
    this.setData({ error: "", fieldErrors: {} });
    // The consent prompt must come from a tap: ask for the reminder templates before booking.
    requestConsents(api, askWeChat)
      .catch(() => null)
      .then(() => api.post("/api/v1/appointments", { slot_id: this.data.slotId, item_codes: [this.data.code] }))
      .then((appointment) => wx.redirectTo({ url: `/pages/appointments/detail?id=${appointment.id}` }),
            (error) => showError(this, error));
  },
});
