const { api, showError } = require("../../utils/api.js");
const { corrections, NOTE_MAX } = require("../../utils/filing.js");
const { deliveryView } = require("../../utils/business.js");
const { hasInspection, owedMaterials, reportBody, statusText, timelineRows, REPORT_NOTE_MAX } =
  require("../../utils/cases.js");

Page({
  data: { reference: "", phoneLast4: "", application: null, corrections: [], notes: {}, noteMax: NOTE_MAX,
          delivery: null, copied: "", owed: [], reports: {}, reportMax: REPORT_NOTE_MAX, inspection: false,
          statusText: "", timeline: [], elder: false, notice: "", error: "", fieldErrors: {} },
  onLoad(query) {
    this.setData({ elder: getApp().globalData.elder });
    if (query.ref) this.load(query.ref);
  },
  load(reference) {
    return api.get(`/api/v1/applications/${encodeURIComponent(reference)}`)
      .then((application) => this.show(application), (error) => showError(this, error));
  },
  // The case with what it still needs (补正) and how its result comes: a mailed one's carrier, tracking number and
  // where it is (已邮寄).
  show(application) {
    this.setData({ application, corrections: corrections(application), delivery: deliveryView(application),
                   owed: owedMaterials(application), inspection: hasInspection(application), copied: "",
                   statusText: statusText(application.status, application.status_name),
                   timeline: timelineRows(application) });
  },
  copyTracking() {
    const tracking = this.data.delivery && this.data.delivery.tracking;
    if (!tracking) return;
    wx.setClipboardData({ data: tracking,
                          success: () => this.setData({ copied: "运单号已复制，可到快递公司的小程序或电话查询" }) });
  },
  onReference(event) { this.setData({ reference: event.detail.value }); },
  onPhone(event) { this.setData({ phoneLast4: event.detail.value }); },
  openBundle() { wx.navigateTo({ url: `/pages/bundles/detail?ref=${this.data.application.bundle_reference}` }); },
  openInspection() {
    wx.navigateTo({ url: `/pages/applications/inspection?ref=${encodeURIComponent(this.data.application.reference)}` });
  },
  onReport(event) {
    const id = String(event.currentTarget.dataset.id);
    const value = event.detail.value;
    this.setData({ reports: Object.assign({}, this.data.reports, { [id]: value }),
                   owed: this.data.owed.map((m) => (String(m.id) === id ? Object.assign({}, m, { length: value.length }) : m)) });
  },
  /** 材料后补: the citizen tells the window a material accepted on a promise (先办后补) is on its way, and how;
   * the window still confirms receipt. */
  report(event) {
    const id = Number(event.currentTarget.dataset.id);
    const material = this.data.owed.find((m) => m.id === id);
    this.setData({ error: "", fieldErrors: {}, notice: "" });
    return api.post(`/api/v1/applications/${encodeURIComponent(this.data.application.reference)}/materials`,
                    reportBody(id, this.data.reports[id]))
      .then((application) => {
        this.show(application);
        this.setData({ notice: `已告诉窗口您已补交“${material.name}”，窗口收到后会确认` });
      }, (error) => showError(this, { message: error.message, fields: { [id]: (error.fields && error.fields.note) || error.message } }));
  },
  rate() { wx.navigateTo({ url: `/pages/feedback/index?rate=application&id=${this.data.application.id}` }); },
  lookup() {
    this.setData({ error: "", fieldErrors: {} });
    api.post("/api/v1/applications/lookup", { reference: this.data.reference.trim().toUpperCase(),
                                              phone_last4: this.data.phoneLast4.trim() })
      .then((application) => this.show(application), (error) => showError(this, error));
  },
  onNote(event) {
    const id = String(event.currentTarget.dataset.id);
    const value = event.detail.value;
    this.setData({ notes: Object.assign({}, this.data.notes, { [id]: value }),
                   corrections: this.data.corrections.map((c) => (String(c.id) === id ? Object.assign({}, c, { length: value.length }) : c)) });
  },
  /** 补正: a new photo of the material staff asked for again, uploaded, then sent with an optional note. When
   * every one is answered the case goes back to the window by itself. */
  answer(event) {
    const id = Number(event.currentTarget.dataset.id);
    const reference = this.data.application.reference;
    this.setData({ error: "", fieldErrors: {}, notice: "" });
    return new Promise((resolve) => wx.chooseMedia({
      count: 9, mediaType: ["image"], sourceType: ["camera", "album"], sizeType: ["compressed"],
      success: resolve, fail: () => resolve(null),
    })).then((chosen) => {
      if (!chosen || !chosen.tempFiles.length) return null;
      this.setData({ notice: "正在上传…" });
      return Promise.all(chosen.tempFiles.map((f) => api.upload("/api/v1/files", f.tempFilePath, { purpose: "material" })))
        .then((stored) => api.post(`/api/v1/applications/${encodeURIComponent(reference)}/corrections`, {
          answers: [{ material_id: id, file_ids: stored.map((s) => s.file.id),
                      note: (this.data.notes[id] || "").trim() || undefined }] }))
        .then(() => this.load(reference))
        .then(() => this.setData({ notice: "补正材料已提交，窗口会尽快审核" }));
    }).catch((error) => {
      // Shown at the material it is about (the API names the answer's position, which the citizen never sees).
      this.setData({ notice: "" });
      showError(this, { message: error.message, fields: { [id]: error.message } });
    });
  },
});
