const { api, showError } = require("../../utils/api.js");
const { appointmentActions, hallCode, slotTime } = require("../../utils/format.js");

Page({
  data: { appointment: null, actions: {}, when: "", error: "" },
  onLoad(query) { this.id = query.id; this.load(); },
  load() {
    api.get(`/api/v1/appointments/${this.id}`).then((appointment) => this.setData({
      appointment, actions: appointmentActions(appointment), when: slotTime(appointment.starts_at) }),
    (error) => showError(this, error));
  },
  checkIn() {
    api.post(`/api/v1/appointments/${this.id}/check-in`).then(() => this.load(), (error) => {
      if (error.code !== "presence_required") return showError(this, error);
      // This hall checks in only on site: scan the QR on its call screen.
      return new Promise((resolve, reject) => wx.scanCode({ onlyFromCamera: true, success: resolve, fail: reject }))
        .then((scanned) => api.post(`/api/v1/appointments/${this.id}/check-in?token=${encodeURIComponent(
          hallCode(scanned.result))}`))
        .then(() => this.load(), (e) => showError(this, e.code ? e : error));
    });
  },
  cancel() {
    // Plain words on both buttons (an elderly citizen reads 是，取消预约 / 不取消, not 确定 / 取消).
    wx.showModal({ title: "取消预约", content: "确定取消这个预约吗？", confirmText: "是，取消", cancelText: "不取消",
                   success: (answer) => {
      if (answer.confirm) api.post(`/api/v1/appointments/${this.id}/cancel`).then(() => this.load(), (e) => showError(this, e));
    } });
  },
  rate() { wx.navigateTo({ url: `/pages/feedback/index?rate=appointment&id=${this.id}` }); },
});
