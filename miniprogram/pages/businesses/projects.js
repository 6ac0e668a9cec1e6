// 重点项目: the business's key projects as a timeline — each stage (立项 → 用地 → 规划 → 施工许可 → 竣工验收)
// with its milestones, target dates, what is done, what is late, and the cases filed for each; shown to whoever
// acts for the business now (its representative, or an agent while the authorisation is in force).
const { api, showError } = require("../../utils/api.js");

function milestoneState(m) {
  if (m.done_on) return `已完成（${m.done_on}）`;
  return m.overdue ? "已超期，包保领导和服务专员正在督办" : "推进中";
}

Page({
  data: { businessId: "", projects: [], loaded: false, error: "" },
  onLoad(query) { this.setData({ businessId: query.business_id || "" }); },
  onShow() { if (this.data.businessId) this.load(); },
  load() {
    return api.get(`/api/v1/businesses/${this.data.businessId}/projects`).then((data) => this.setData({
      loaded: true,
      projects: data.projects.map((p) => Object.assign({}, p, {
        stages: p.stages.map((s) => Object.assign({}, s, {
          milestones: s.milestones.map((m) => Object.assign({}, m, {
            state: milestoneState(m), cases: m.case_references.join("、") })) })) })),
    }), (error) => showError(this, error));
  },
});
