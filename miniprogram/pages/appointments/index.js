// 我的预约: the citizen's appointments, newest first, status in words; a tap opens one.
const { api, showError } = require("../../utils/api.js");
const { slotTime } = require("../../utils/format.js");

Page({
  data: { appointments: [], loaded: false, error: "" },
  onShow() {
    api.get("/api/v1/appointments").then((data) => this.setData({
      loaded: true,
      appointments: data.appointments.map((a) => Object.assign({}, a, {
        when: slotTime(a.starts_at), names: a.items.map((i) => i.name).join("、") })),
    }), (error) => showError(this, error));
  },
  open(event) { wx.navigateTo({ url: `/pages/appointments/detail?id=${event.currentTarget.dataset.id}` }); },
  book() { wx.navigateTo({ url: "/pages/items/index" }); },
});
