const { api, showError } = require("../../utils/api.js");
const { waitlistView } = require("../../utils/format.js");

// 我的候补: place in line, the seat held for the citizen (确认预约 in one tap, or 不需要了), leaving the line.
// A 候补成功 message opens this page with ?offer=<id>; the entry holding it is shown first.
Page({
  data: { entries: [], error: "", offer: null },
  onLoad(query) { this.setData({ offer: query.offer ? Number(query.offer) : null }); },
  onShow() { this.load(); },
  load() {
    return api.get("/api/v1/waitlist").then((data) => {
      const entries = data.entries.map(waitlistView);
      entries.sort((a, b) => (b.offerId === this.data.offer) - (a.offerId === this.data.offer));
      this.setData({ entries, error: "" });
    }, (error) => showError(this, error));
  },
  confirm(event) {
    api.post(`/api/v1/waitlist/offers/${event.currentTarget.dataset.id}/confirm`, {})
      .then((appointment) => wx.redirectTo({ url: `/pages/appointments/detail?id=${appointment.id}` }),
            (error) => showError(this, error));
  },
  decline(event) {
    api.post(`/api/v1/waitlist/offers/${event.currentTarget.dataset.id}/decline`, {})
      .then(() => this.load(), (error) => showError(this, error));
  },
  leave(event) {
    api.post(`/api/v1/waitlist/${event.currentTarget.dataset.id}/cancel`, {})
      .then(() => this.load(), (error) => showError(this, error));
  },
});
