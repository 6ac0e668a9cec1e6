// 政策快享: the policies found for the citizen and their businesses (数据比对), then every policy in force,
// searchable in their own words (我是残疾人有什么补贴) and by category.
const { api, showError } = require("../../utils/api.js");
const { policyMatchView } = require("../../utils/format.js");

Page({
  data: { q: "", category: "", categories: [], policies: [], total: 0, matches: [], error: "", fieldErrors: {} },
  onShow() {
    api.get("/api/v1/policy-matches").then((data) => this.setData({ matches: data.matches.map(policyMatchView) }),
                                           () => this.setData({ matches: [] }));
    this.search();
  },
  onInput(event) { this.setData({ q: event.detail.value }); },
  pickCategory(event) {
    const category = event.currentTarget.dataset.category;
    this.setData({ category: category === this.data.category ? "" : category });
    this.search();
  },
  search() {
    const query = [];
    if (this.data.q) query.push(`q=${encodeURIComponent(this.data.q)}`);
    if (this.data.category) query.push(`category=${encodeURIComponent(this.data.category)}`);
    return api.get(`/api/v1/policies${query.length ? "?" + query.join("&") : ""}`).then(
      (data) => this.setData({ policies: data.policies, total: data.total, categories: data.categories, error: "",
                              fieldErrors: {} }),
      (error) => showError(this, error));
  },
  openPolicy(event) { wx.navigateTo({ url: `/pages/policies/detail?id=${event.currentTarget.dataset.id}` }); },
  subscriptions() { wx.navigateTo({ url: "/pages/policies/subscriptions" }); },
  openMatch(event) { wx.navigateTo({ url: `/pages/policies/match?id=${event.currentTarget.dataset.id}` }); },
});
