// 政策订阅: the policy categories whose newly published policies the citizen is told about. Only what the server
// says is on starts ticked; 保存 sends the ticked ones and confirms in words. Reached from 政策快享.
const { api, showError } = require("../../utils/api.js");
const { categoryRows, chosenCategories, savedText } = require("../../utils/subscriptions.js");

Page({
  data: { rows: [], ticked: [], loaded: false, saved: "", elder: false, error: "", fieldErrors: {} },
  onLoad() { this.setData({ elder: Boolean(getApp().globalData.elder) }); },
  onShow() { return this.load(); },
  load() {
    return api.get("/api/v1/me/policy-subscriptions").then((answer) => this.show(answer, ""),
                                                          (error) => showError(this, error));
  },
  show(answer, saved) {
    const rows = categoryRows(answer);
    this.setData({ loaded: true, rows, ticked: rows.filter((r) => r.checked).map((r) => r.name), saved,
                   error: "", fieldErrors: {} });
  },
  onTick(event) { this.setData({ ticked: event.detail.value, saved: "" }); },
  save() {
    this.setData({ error: "", fieldErrors: {}, saved: "" });
    return api.put("/api/v1/me/policy-subscriptions", { categories: chosenCategories(this.data.rows, this.data.ticked) })
      .then((answer) => this.show(answer, savedText(answer.categories)), (error) => showError(this, error));
  },
});
