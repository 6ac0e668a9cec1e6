// 一件事 as one visit (多事项预约): a centre that handles every item, a day, then a start where the window has
// back-to-back seats for all of them; booked with the bundle's items. Nothing is picked for the citizen, except a
// centre when only one handles them all. Opened from 一件事 (?code=).
const { api, showError } = require("../../utils/api.js");
const { bundleStarts, commonCentres } = require("../../utils/cases.js");
const { askWeChat, loadConsents, requestConsents } = require("../../utils/consent.js");

const BOOKING_NOTICES = ["appointment_reminder", "appointment_status", "queue_call"];
const CENTRE_UNCHOSEN = "请选择到哪个中心办理";
const DATE_UNCHOSEN = "请选择日期";
const START_UNCHOSEN = "请选择时间";

Page({
  data: { code: "", bundle: null, itemNames: "", centres: [], centreIndex: -1, date: "", starts: [], itemCodes: [], slotId: null,
          loadedDay: false, busy: false, elder: false, error: "", fieldErrors: {} },
  // The consent list is loaded now, so that the booking tap can ask WeChat straight away (a prompt opens only from
  // a tap, never after a request).
  onShow() { return loadConsents(api).then((rows) => { this.consents = rows; }); },
  onLoad(query) {
    const code = decodeURIComponent(query.code || "");
    this.setData({ code, elder: Boolean(getApp().globalData.elder) });
    return api.get("/api/v1/bundles").then((list) => {
      const bundle = list.bundles.find((b) => b.code === code);
      if (!bundle) return showError(this, { message: "没有找到这件事，请回到一件事列表重新选择" });
      this.setData({ bundle, itemNames: bundle.items.map((i) => i.name).join("、") });
      return Promise.all(bundle.items.map((item) => api.get("/api/v1/centres", { item: item.code })))
        .then((lists) => {
          const centres = commonCentres(lists.map((l) => l.centres));
          this.setData({ centres, centreIndex: centres.length === 1 ? 0 : -1 });
        });
    }).catch((error) => showError(this, error));
  },
  pickCentre(event) { this.setData({ centreIndex: Number(event.detail.value) }); return this.loadStarts(); },
  pickDate(event) { this.setData({ date: event.detail.value }); return this.loadStarts(); },
  loadStarts() {
    const centre = this.data.centres[this.data.centreIndex];
    this.setData({ starts: [], slotId: null, loadedDay: false, error: "", fieldErrors: {} });
    if (!centre || !this.data.date) return null;
    return api.get(`/api/v1/bundles/${encodeURIComponent(this.data.code)}/slots`, { centre_id: centre.id, date: this.data.date })
      .then((answer) => this.setData({ starts: bundleStarts(answer.slots), itemCodes: answer.item_codes, loadedDay: true }),
            (error) => showError(this, error));
  },
  pickStart(event) { this.setData({ slotId: Number(event.currentTarget.dataset.id), fieldErrors: {} }); },
  book() {
    if (this.data.busy) return null;
    this.setData({ error: "", fieldErrors: {} });
    const missing = this.data.centreIndex < 0 ? ["centre_id", CENTRE_UNCHOSEN] : !this.data.date ? ["date", DATE_UNCHOSEN]
      : !this.data.slotId ? ["slot_id", START_UNCHOSEN] : null;
    if (missing) return showError(this, { message: missing[1], fields: { [missing[0]]: missing[1] } });
    this.setData({ busy: true });
    // The consent prompt must come from a tap: ask for the reminder templates before booking.
    return requestConsents(api, askWeChat, this.consents, BOOKING_NOTICES)
      .then((answer) => { this.consents = answer.subscriptions; }, () => null)
      .then(() => api.post("/api/v1/appointments", { slot_id: this.data.slotId, item_codes: this.data.itemCodes }))
      .then((appointment) => wx.redirectTo({ url: `/pages/appointments/detail?id=${appointment.id}` }),
            (error) => showError(this, error))
      .then(() => this.setData({ busy: false }));
  },
});
