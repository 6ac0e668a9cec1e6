const { api, showError } = require("../../utils/api.js");
const { appointmentActions, hallCode, slotTime, ticketWords } = require("../../utils/format.js");
const { rescheduleSlots } = require("../../utils/cases.js");

Page({
  data: { appointment: null, actions: {}, when: "", itemNames: "", ticketLines: [], rated: "", elder: false, askingCancel: false, moving: false, date: "", slots: [], slotId: null,
          loadedDay: false, busy: false, error: "", fieldErrors: {} },
  onLoad(query) { this.id = query.id; this.setData({ elder: Boolean(getApp().globalData.elder) }); this.load(); },
  // Back from the rating page (or WeChat): read it again, so a rating just given shows here.
  onShow() { if (this.data.appointment) this.load(); },
  load() {
    return api.get(`/api/v1/appointments/${this.id}`).then((appointment) => {
      this.setData({
        appointment, actions: appointmentActions(appointment), when: slotTime(appointment.starts_at),
        itemNames: appointment.items.map((item) => item.name).join("、"), ticketLines: ticketWords(appointment.ticket) });
      // A served visit is rated once: once rated, the page says how, instead of offering it again.
      if (appointment.status === "served") return this.loadRating(appointment.id);
      return null;
    }, (error) => showError(this, error));
  },
  loadRating(id) {
    return api.get("/api/v1/ratings", { target: "appointment", target_id: id }).then((data) => {
      const [mine] = data.ratings;   // this visit's rating, if given (the server picks it)
      if (mine) this.setData({ rated: mine.level_name, actions: Object.assign({}, this.data.actions, { rate: false }) });
    }, () => null);
  },
  // In the hall, pulled down to see how many are still ahead (前面还有 N 人) and whether the number was called.
  onPullDownRefresh() { this.load().then(() => wx.stopPullDownRefresh && wx.stopPullDownRefresh()); },
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
  // Asked on the page, not in a pop-up (长辈模式), with plain words on both buttons: 是，取消预约 / 不取消.
  cancel() { this.setData({ askingCancel: true }); },
  keepAppointment() { this.setData({ askingCancel: false }); },
  yesCancel() {
    this.setData({ askingCancel: false });
    api.post(`/api/v1/appointments/${this.id}/cancel`).then(() => this.load(), (e) => showError(this, e));
  },
  /** 改约: another time for the same items at the same centre; nothing is picked for the citizen. */
  startMove() { this.setData({ moving: true, date: "", slots: [], slotId: null, loadedDay: false, error: "", fieldErrors: {} }); },
  stopMove() { this.setData({ moving: false, error: "", fieldErrors: {} }); },
  pickDate(event) {
    const date = event.detail.value;
    const a = this.data.appointment;
    this.setData({ date, slots: [], slotId: null, loadedDay: false, error: "", fieldErrors: {} });
    return Promise.all(a.items.map((item) => api.get(`/api/v1/centres/${a.centre_id}/slots`, { item: item.code, date })))
      .then((lists) => this.setData({ slots: rescheduleSlots(lists.map((l) => l.slots), a.starts_at), loadedDay: true }),
            (error) => showError(this, error));
  },
  pickSlot(event) { this.setData({ slotId: Number(event.currentTarget.dataset.id), fieldErrors: {} }); },
  /** The old seat is given back only once the new one is taken (the server does both at once). */
  move() {
    if (this.data.busy) return null;
    if (!this.data.slotId) return showError(this, { message: "请选择新的时间", fields: { slot_id: "请选择新的时间" } });
    this.setData({ busy: true, error: "", fieldErrors: {} });
    return api.post(`/api/v1/appointments/${this.id}/reschedule`, { slot_id: this.data.slotId })
      .then((moved) => wx.redirectTo({ url: `/pages/appointments/detail?id=${moved.id}` }),
            (error) => showError(this, error))
      .then(() => this.setData({ busy: false }));
  },
  rate() { wx.navigateTo({ url: `/pages/feedback/index?rate=appointment&id=${this.id}` }); },
});
