// 网上申报: an item's online form on the phone — the fields, one upload per material (wx.chooseMedia, then
// wx.uploadFile to /api/v1/files), deferred materials (可以先办、材料后补) with a promise, pickup or 邮寄, save as a draft, submit.
// Opened from an item with an online form (?code=) — an unsent draft of the item is continued, never a new empty
// one made — or from 我的申报 (?id=). 长辈模式 takes it one step per screen: 填写表格 → 上传材料 → 怎么拿结果.
const { api, showError } = require("../../utils/api.js");
const { unchosen } = require("../../utils/format.js");
const filing = require("../../utils/filing.js");

const REMEMBERED = "banshi.filing.delivery";   // pickup chosen on this phone, by filing id
const STEPS = ["填写表格", "上传材料", "怎么拿结果"];
const CENTRE_UNCHOSEN = "请选择到哪个中心办理";
const BUSINESS_UNCHOSEN = "请选择以哪家企业申报";

/** Which elder-mode step shows the field an error names. */
function stepOf(field) {
  if (/^values\./.test(field)) return 0;
  if (/^(materials|deferred)\.|^promise_text$/.test(field)) return 1;
  return 2;
}

Page({
  data: { stage: "loading", title: "", elder: false, step: 0, steps: STEPS, kind: "item", code: "", definition: null,
          centres: [], centreIndex: -1, businesses: [], businessIndex: -1, needVerify: false, noBusiness: false,
          filing: null, values: {}, uploaded: {}, deferred: [], promise: "", delivery: "", signed: [], promises: [],
          mail: { name: "", phone: "", address: "" }, rows: [], materials: [], waiting: false, notNeeded: [],
          deliveries: filing.DELIVERY.map((d) => ({ value: d[0], name: d[1] })), deferWords: filing.DEFER_WORDS,
          deferExplained: filing.DEFER_EXPLAINED, promiseExplained: filing.PROMISE_EXPLAINED, reference: "", submittedKind: "", busy: false, notice: "",
          error: "", fieldErrors: {} },
  onLoad(query) {
    this.setData({ elder: Boolean(getApp().globalData.elder) });
    if (query.id) return this.resume(Number(query.id));
    const kind = query.bundle ? "bundle" : "item";
    return this.begin(kind, decodeURIComponent(query.bundle || query.code || ""));
  },
  fail(error) {
    showError(this, error);
    if (this.data.stage === "form") {
      this.render();
      const fields = Object.keys(this.data.fieldErrors);
      if (this.data.elder && fields.length) this.setData({ step: Math.min.apply(null, fields.map(stepOf)) });
    }
  },
  formUrl(kind, code, businessId) {
    const base = kind === "bundle" ? `/api/v1/bundles/${encodeURIComponent(code)}/online-form`
      : `/api/v1/items/${encodeURIComponent(code)}/online-form`;
    return api.get(base, { business_id: businessId || undefined });
  },
  /** From an item: continue its unsent draft if there is one; else choose the centre (and business) first. */
  begin(kind, code) {
    this.setData({ kind, code });
    return Promise.all([this.formUrl(kind, code), api.get("/api/v1/filings"), api.get("/api/v1/me")])
      .then(([definition, list, me]) => {
        const draft = filing.draftFor(list.filings, code);
        if (draft) return this.resume(draft.id);
        const business = definition.applicant === "business";
        this.setData({ stage: "start", definition, title: definition.item_name || definition.name,
                       centres: definition.centres, needVerify: !me.verified,
                       // Only one place or one business is no choice: it is taken; otherwise the citizen picks.
                       centreIndex: definition.centres.length === 1 ? 0 : -1 });
        if (!business) return null;
        return api.get("/api/v1/businesses").then((data) => this.setData({
          businesses: data.businesses, businessIndex: data.businesses.length === 1 ? 0 : -1,
          noBusiness: !data.businesses.length }));
      })
      .catch((error) => { this.setData({ stage: "closed" }); showError(this, error); });
  },
  goVerify() { wx.navigateTo({ url: "/pages/me/index" }); },
  goBusinesses() { wx.navigateTo({ url: "/pages/businesses/index" }); },
  onShow() {
    if (this.data.needVerify) api.get("/api/v1/me").then((me) => this.setData({ needVerify: !me.verified }), () => null);
  },
  pickCentre(event) { this.setData({ centreIndex: Number(event.detail.value), fieldErrors: {} }); },
  pickBusiness(event) { this.setData({ businessIndex: Number(event.detail.value), fieldErrors: {} }); },
  start() {
    if (this.data.busy) return null;
    this.setData({ error: "", fieldErrors: {} });
    const centre = this.data.centres[this.data.centreIndex];
    const business = this.data.businesses[this.data.businessIndex];
    if (!centre) return showError(this, unchosen("centre_id", CENTRE_UNCHOSEN));
    if (this.data.definition.applicant === "business" && !business) {
      return showError(this, unchosen("business_id", BUSINESS_UNCHOSEN));
    }
    const body = { centre_id: centre.id, business_id: business ? business.id : undefined };
    body[this.data.kind === "bundle" ? "bundle_code" : "item_code"] = this.data.code;
    this.setData({ busy: true });
    return api.post("/api/v1/filings", body)
      .then((started) => this.formUrl(this.data.kind, this.data.code, started.business_id)
        .then((definition) => this.show(started, definition)))
      .catch((error) => this.fail(error))
      .then(() => this.setData({ busy: false }));
  },
  /** A saved filing: a draft opens where it was left; a submitted one opens its case. */
  resume(id) {
    return api.get(`/api/v1/filings/${id}`).then((found) => {
      if (found.status !== "draft") {
        const page = found.bundle_code ? "bundles/detail" : "applications/detail";
        return wx.redirectTo({ url: `/pages/${page}?ref=${encodeURIComponent(found.reference)}` });
      }
      const kind = found.bundle_code ? "bundle" : "item";
      this.setData({ kind, code: found.bundle_code || found.item_code });
      return this.formUrl(kind, this.data.code, found.business_id).then((definition) => this.show(found, definition));
    }).catch((error) => { this.setData({ stage: this.data.stage === "loading" ? "closed" : this.data.stage }); showError(this, error); });
  },
  show(found, definition) {
    const remembered = (wx.getStorageSync(REMEMBERED) || {})[found.id];
    this.setData({
      stage: "form", step: 0, filing: found, definition, values: Object.assign({}, found.values),
      uploaded: JSON.parse(JSON.stringify(found.materials || {})), deferred: (found.deferred || []).slice(),
      promise: found.promise_text || "", signed: Object.keys(found.promises || {}), delivery: filing.deliveryChosen(found, remembered),
      mail: Object.assign({ name: "", phone: "", address: "" }, found.mail || {}),
      notNeeded: definition.not_needed || [], error: "", fieldErrors: {},
    });
    this.render();
  },
  render() {
    const d = this.data;
    const materials = filing.withPromises(filing.materialRows(d.definition, d.uploaded, d.deferred, d.fieldErrors),
                                          filing.replacedBy(d.definition, d.signed));
    this.setData({ rows: filing.fieldRows(d.definition, d.values, d.fieldErrors), materials,
                   promises: filing.promiseRows(d.definition, d.signed, d.fieldErrors),
                   waiting: filing.anyDeferred(materials) });
  },
  onValue(event) {
    const values = Object.assign({}, this.data.values, { [event.currentTarget.dataset.key]: event.detail.value });
    this.setData({ values });
    this.render();
  },
  onChoice(event) {
    const row = this.data.rows.find((r) => r.key === event.currentTarget.dataset.key);
    const values = Object.assign({}, this.data.values, { [row.key]: row.choices[Number(event.detail.value)] });
    this.setData({ values });
    this.render();
  },
  /** One material: photos from the camera or album, each uploaded at once, then the draft saved with them. */
  addFiles(event) {
    const name = event.currentTarget.dataset.name;
    return new Promise((resolve) => wx.chooseMedia({
      count: 9, mediaType: ["image"], sourceType: ["camera", "album"], sizeType: ["compressed"],
      success: resolve, fail: () => resolve(null),
    })).then((chosen) => {
      if (!chosen || !chosen.tempFiles.length) return null;
      this.setData({ notice: `正在上传“${name}”…`, error: "" });
      return Promise.all(chosen.tempFiles.map((f) => api.upload("/api/v1/files", f.tempFilePath, { purpose: "material" })))
        .then((stored) => {
          const uploaded = Object.assign({}, this.data.uploaded,
                                         { [name]: (this.data.uploaded[name] || []).concat(stored.map((s) => s.file.id)) });
          this.setData({ uploaded, deferred: this.data.deferred.filter((n) => n !== name) });
          this.render();
          return this.save(`“${name}”已上传，草稿已保存`);
        });
    }).catch((error) => { this.setData({ notice: "" }); this.fail(error); });
  },
  clearFiles(event) {
    const uploaded = Object.assign({}, this.data.uploaded);
    delete uploaded[event.currentTarget.dataset.name];
    this.setData({ uploaded });
    this.render();
  },
  toggleDefer(event) {
    const name = event.currentTarget.dataset.name;
    const on = this.data.deferred.indexOf(name) >= 0;
    this.setData({ deferred: on ? this.data.deferred.filter((n) => n !== name) : this.data.deferred.concat([name]) });
    this.render();
  },
  /** 告知承诺: ticking signs the promise text shown in full above the box; unticking withdraws it. */
  toggleSign(event) {
    const key = event.currentTarget.dataset.key;
    const on = this.data.signed.indexOf(key) >= 0;
    this.setData({ signed: on ? this.data.signed.filter((k) => k !== key) : this.data.signed.concat([key]) });
    this.render();
  },
  onPromise(event) { this.setData({ promise: event.detail.value }); },
  chooseDelivery(event) {
    const delivery = event.detail.value;
    const remembered = Object.assign({}, wx.getStorageSync(REMEMBERED) || {}, { [this.data.filing.id]: delivery });
    wx.setStorageSync(REMEMBERED, remembered);
    this.setData({ delivery });
  },
  onMail(event) {
    this.setData({ mail: Object.assign({}, this.data.mail, { [event.currentTarget.dataset.field]: event.detail.value }) });
  },
  body() { return filing.filingBody(this.data); },
  /** 保存草稿: what is typed so far (nothing is required yet); found again in 我的 → 我的申报. */
  save(notice) {
    this.setData({ error: "", fieldErrors: {} });
    return api.put(`/api/v1/filings/${this.data.filing.id}`, this.body()).then((saved) => {
      this.setData({ filing: saved, notice: typeof notice === "string" ? notice : "草稿已保存。以后可以在“我的 → 我的申报”里继续填写" });
      this.render();
      return saved;
    }, (error) => { this.setData({ notice: "" }); this.fail(error); return null; });
  },
  /** 长辈模式: 下一步 saves what this screen holds, then shows the next one. */
  next() {
    return this.save("已保存").then((saved) => {
      if (saved) this.setData({ step: Math.min(this.data.step + 1, STEPS.length - 1), notice: "" });
    });
  },
  back() { this.setData({ step: Math.max(this.data.step - 1, 0), error: "", notice: "" }); },
  /** 提交申报: saved first, then submitted; every gap comes back at its field and nothing is sent. */
  submit() {
    if (this.data.busy) return null;
    this.setData({ error: "", fieldErrors: {}, notice: "" });
    if (!this.data.delivery) { this.fail(unchosen("delivery", filing.DELIVERY_UNCHOSEN)); return null; }
    this.setData({ busy: true });
    return api.put(`/api/v1/filings/${this.data.filing.id}`, this.body())
      .then(() => api.post(`/api/v1/filings/${this.data.filing.id}/submit`, {}))
      .then((done) => this.setData({ stage: "done", reference: done.reference, submittedKind: done.kind }),
            (error) => this.fail(error))
      .then(() => this.setData({ busy: false }));
  },
  openCase() {
    const page = this.data.submittedKind === "bundle" ? "bundles/detail" : "applications/detail";
    wx.redirectTo({ url: `/pages/${page}?ref=${encodeURIComponent(this.data.reference)}` });
  },
  openList() { wx.redirectTo({ url: "/pages/filing/list" }); },
});
