// 情景引导: one question at a time, then the checklist (items, one set of materials, nearest centres).
const { api, showError } = require("../../utils/api.js");
const { withAnswer, bookingUrl, checklistLine } = require("../../utils/guide.js");

Page({
  data: { code: "", version: null, answers: {}, step: null, result: null, materials: [], error: "", fieldErrors: {} },
  onLoad(query) {
    this.setData({ code: query.code });
    api.get(`/api/v1/guide/scenarios/${encodeURIComponent(query.code)}`)
      .then((step) => this.setData({ step, version: step.scenario.version }), (error) => showError(this, error));
  },
  choose(event) {
    const answers = withAnswer(this.data.answers, this.data.step.question, event.currentTarget.dataset.value);
    if (!answers) return;
    api.post(`/api/v1/guide/scenarios/${encodeURIComponent(this.data.code)}/answers`,
             { answers, version: this.data.version }).then((step) => {
      this.setData({ answers, step });
      if (step.done) return this.finish(answers);
      return null;
    }, (error) => showError(this, error));
  },
  finish(answers) {
    const path = `/api/v1/guide/scenarios/${encodeURIComponent(this.data.code)}/result`;
    return new Promise((resolve) => wx.getLocation({ type: "gcj02", success: resolve, fail: () => resolve({}) }))
      .then((where) => api.post(path, { answers, version: this.data.version, lat: where.latitude, lng: where.longitude }))
      .then((result) => this.setData({ result, materials: result.materials.map(checklistLine) }),
            (error) => showError(this, error));
  },
  book(event) {
    const centre = this.data.result.centres.find((c) => String(c.id) === String(event.currentTarget.dataset.id));
    wx.navigateTo({ url: bookingUrl(centre) });
  },
});
