const { api, showError } = require("../../utils/api.js");
const { dayFull, slotsByHour, slotsByPeriod, RELATIONS, WAITLIST_PERIODS, waitlistTimes } = require("../../utils/format.js");
const { askWeChat, loadConsents, requestConsents } = require("../../utils/consent.js");

// What a booking's messages need: its reminders (long-term: once allowed, for good), its result and the call at the
// hall (one-time: asked again at a booking once used up); a waitlist's, its result. WeChat asks for one kind per
// tap, so a first booking asks for the reminders, and the next ones for what is used up.
const BOOKING_NOTICES = ["appointment_reminder", "appointment_status", "queue_call"];
const WAITLIST_NOTICES = ["waitlist_result", "appointment_status"];

// 替别人预约 without an authorisation: the person's details typed here (the API's for_person), always offered last.
const FOR_OTHER = "为其他人（不是已授权的亲友）";

Page({
  data: { code: "", also: [], itemName: "", alsoNames: "", elder: false, hours: [], centres: [], centreIndex: 0, date: "", nextOpen: "", needVerify: false, noItem: false, closures: [], periods: { morning: [], afternoon: [] }, periodList: [], slotId: null,
          people: ["为自己", FOR_OTHER], relatives: [], personIndex: 0, error: "", fieldErrors: {}, full: false,
          forOther: false, relations: RELATIONS, otherName: "", otherIdNumber: "", otherPhone: "", otherRelation: "",
          otherErrors: {},
          waitlistPeriods: WAITLIST_PERIODS.map((p) => p[1]), waitlistIndex: 0 },
  onLoad(query) {
    this.setData({ elder: getApp().globalData.elder });
    // A booking is for an item: opened without one (an old link), it leads to the item list instead of an error.
    if (!query.code) { this.setData({ noItem: true }); return; }
    this.checkVerified();
    // also: items booked in the same visit (a scenario's checklist), centre: the one the checklist chose.
    // date: a link that opens a given day (the message of a closure points at the earliest equivalent slot).
    this.setData({ code: query.code, also: (decodeURIComponent(query.also || "")).split(",").filter(Boolean),
                   preferredCentre: query.centre || "", date: /^\d{4}-\d{2}-\d{2}$/.test(query.date || "") ? query.date : "" });
    // What this visit is for, by name (a checklist books several items at once).
    Promise.all([query.code].concat(this.data.also).filter(Boolean).map((code) =>
      api.get(`/api/v1/items/${encodeURIComponent(code)}`).then((item) => item.name, () => "")))
      .then(([name, ...others]) => this.setData({ itemName: name || "", alsoNames: others.filter(Boolean).join("、") }));
    // 亲友代办: relatives whose authorisation lets the caller book for them, offered after "为自己".
    api.get("/api/v1/relatives").then((list) => {
      const relatives = list.acting_for.filter((r) => r.state === "active" && r.scopes.indexOf("book") >= 0);
      const people = ["为自己"].concat(relatives.map((r) => `为${r.name}（${r.relation}）`), [FOR_OTHER]);
      // One who already chose 为其他人 keeps that choice (it moves to the end of the longer list).
      this.setData({ relatives, people, personIndex: this.data.forOther ? people.length - 1 : this.data.personIndex });
    }, () => null);
    wx.getLocation({ type: "gcj02", complete: (where) => this.loadCentres(where && where.latitude, where && where.longitude) });
  },
  loadCentres(lat, lng) {
    api.get("/api/v1/centres", { item: this.data.code, lat, lng })
      .then((data) => {
        const preferred = data.centres.findIndex((c) => String(c.id) === this.data.preferredCentre);
        this.setData({ centres: data.centres, centreIndex: Math.max(preferred, 0) });
        // Open on the centre's earliest day with a free seat rather than an empty date.
        const chosen = data.centres[Math.max(preferred, 0)];
        if (!this.data.date && chosen && chosen.earliest_free_slot) {
          this.setData({ date: chosen.earliest_free_slot.slice(0, 10) });
        }
        if (this.data.date) this.loadSlots();
      }, (error) => showError(this, error));
  },
  openCentre() {
    const centre = this.data.centres[this.data.centreIndex];
    if (centre) wx.navigateTo({ url: `/pages/centres/detail?id=${centre.id}` });
  },
  pickCentre(event) { this.setData({ centreIndex: Number(event.detail.value) }); this.loadSlots(); },
  pickDate(event) { this.setData({ date: event.detail.value }); this.loadSlots(); },
  loadSlots() {
    const centre = this.data.centres[this.data.centreIndex];
    if (!centre || !this.data.date) return;
    api.get(`/api/v1/centres/${centre.id}/slots`, { item: this.data.code, date: this.data.date })
      .then((data) => {
        // A day with no free seat (full, closed, or a day off) offers the centre's earliest day that has one.
        const earliest = centre.earliest_free_slot ? centre.earliest_free_slot.slice(0, 10) : "";
        // The times offered (and 长辈模式's one-tap 最早可约) start at the centre's earliest bookable time: a start
        // too soon for the hall's notice is still listed by the API (its answer is cached for everyone) but
        // would be refused, so it is not offered in either mode.
        const bookable = data.slots.filter((slot) => !centre.earliest_free_slot || slot.starts_at >= centre.earliest_free_slot);
        const noSeat = !bookable.some((slot) => slot.remaining > 0);
        const periods = slotsByPeriod(bookable);
        this.setData({ periods, hours: slotsByHour(bookable), slotId: null,
                       periodList: [{ name: "上午", times: periods.morning }, { name: "下午", times: periods.afternoon }],
                       full: dayFull(data.slots) && !(data.closures || []).length,
                       closures: (data.closures || []).map((c) => c.notice),
                       nextOpen: noSeat && earliest && earliest !== this.data.date ? earliest : "" });
      },
            (error) => showError(this, error));
  },
  // 长辈模式: one not yet verified is told so first, with one large button, not at the last step; asked again on
  // coming back from 我的, where the check was done.
  checkVerified() {
    // In both modes: one not yet verified reads it first, with the button, not after choosing a time.
    api.get("/api/v1/me").then((me) => this.setData({ needVerify: !me.verified }), () => null);
  },
  goItems() { wx.redirectTo({ url: "/pages/items/index?for=book" }); },
  onShow() {
    if (this.data.noItem) return;
    if (this.data.needVerify) this.checkVerified();
    // Loaded now, so that the booking tap can ask WeChat straight away (its prompt only opens from a tap).
    loadConsents(api).then((rows) => { this.consents = rows; });
  },
  // The consent prompt comes from the tap itself; its answer is recorded, and the booking goes on whatever it was.
  askConsents(notices) {
    return requestConsents(api, askWeChat, this.consents, notices)
      .then((answer) => { this.consents = answer.subscriptions; }, () => null);
  },
  goVerify() { wx.navigateTo({ url: "/pages/me/index" }); },
  goNextOpen() { this.setData({ date: this.data.nextOpen }); this.loadSlots(); },
  pickWaitlistPeriod(event) { this.setData({ waitlistIndex: Number(event.detail.value) }); },
  // 候补: the day is full; wait for a freed seat (held for the first in line, confirmed in 我的候补).
  joinWaitlist() {
    const centre = this.data.centres[this.data.centreIndex];
    this.setData({ error: "", fieldErrors: {} });
    this.askConsents(WAITLIST_NOTICES)
      .then(() => api.post("/api/v1/waitlist", Object.assign({
        centre_id: centre.id, item_code: this.data.code, date_from: this.data.date, date_to: this.data.date },
        waitlistTimes(WAITLIST_PERIODS[this.data.waitlistIndex][0]))))
      .then(() => wx.redirectTo({ url: "/pages/waitlist/index" }), (error) => showError(this, error));
  },
  pickPerson(event) {
    const personIndex = Number(event.detail.value);
    this.setData({ personIndex, forOther: personIndex > 0 && personIndex === this.data.people.length - 1 });
  },
  onOtherName(event) { this.setData({ otherName: event.detail.value }); },
  onOtherIdNumber(event) { this.setData({ otherIdNumber: event.detail.value }); },
  onOtherPhone(event) { this.setData({ otherPhone: event.detail.value }); },
  pickOtherRelation(event) { this.setData({ otherRelation: RELATIONS[Number(event.detail.value)] || "" }); },
  pickSlot(event) {
    const id = Number(event.currentTarget.dataset.id);
    if (id) this.setData({ slotId: id });   // a full time has no slot to book
  },
  // 长辈模式: 最早可约 in one tap — the earliest free slot of the day, booked at once for whoever 为谁预约 names.
  // book() runs in this tap (setData has already changed this.data), so WeChat's consent prompt may open.
  bookEarliest() {
    const first = this.data.hours[0] && this.data.hours[0].slots[0];
    if (!first) return;
    this.setData({ slotId: first.id });
    this.book();
  },
  book() {
    this.setData({ error: "", fieldErrors: {}, otherErrors: {} });
    // The consent prompt must come from a tap: ask for the reminder templates before booking.
    this.askConsents(BOOKING_NOTICES)
      .then(() => {
        const relative = this.data.forOther ? null : this.data.relatives[this.data.personIndex - 1];
        const other = this.data.forOther ? { name: this.data.otherName, id_number: this.data.otherIdNumber,
                                             phone: this.data.otherPhone, relation: this.data.otherRelation || undefined }
          : undefined;
        return api.post("/api/v1/appointments", { slot_id: this.data.slotId, item_codes: [this.data.code].concat(this.data.also),
                                                  for_relative: relative ? relative.id : undefined, for_person: other });
      })
      .then((appointment) => wx.redirectTo({ url: `/pages/appointments/detail?id=${appointment.id}` }), (error) => {
        showError(this, error);
        // for_person.name, for_person.id_number ...: each shown under its own field; what was typed stays.
        const otherErrors = {};
        Object.keys(this.data.fieldErrors).forEach((key) => {
          if (key.indexOf("for_person.") === 0) otherErrors[key.slice("for_person.".length)] = this.data.fieldErrors[key];
        });
        this.setData({ otherErrors });
      });
  },
});
