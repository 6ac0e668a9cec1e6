// 亲友代办: ask to act for a relative, confirm a relative's request, revoke either side.
const { api, showError } = require("../../utils/api.js");
const { FAMILY_RELATIONS, SCOPES, scopesFrom } = require("../../utils/format.js");
const { canView } = require("../../utils/relatives.js");

Page({
  data: { actingFor: [], actingForMe: [], relations: FAMILY_RELATIONS, relationIndex: 1, scopes: SCOPES,
          chosen: SCOPES.map((s) => s[0]), name: "", idNumber: "", code: "", invite: null, refusing: null, error: "", fieldErrors: {} },
  onShow() { this.load(); },
  load() {
    return api.get("/api/v1/relatives").then((list) => this.show(list), (error) => showError(this, error));
  },
  show(list) {
    this.setData({ actingFor: list.acting_for.map((a) => Object.assign({}, a, { viewable: canView(a) })),
                   actingForMe: list.acting_for_me.map((a) => Object.assign({}, a, {
                     scope_names: a.scope_names.join("、"),
                     until: a.state === "active" && a.expires_at ? a.expires_at.slice(0, 10) : "" })) });
  },
  onName(event) { this.setData({ name: event.detail.value }); },
  onIdNumber(event) { this.setData({ idNumber: event.detail.value }); },
  onRelation(event) { this.setData({ relationIndex: Number(event.detail.value) }); },
  onScopes(event) { this.setData({ chosen: event.detail.value }); },
  onCode(event) { this.setData({ code: event.detail.value }); },
  ask() {
    this.setData({ error: "", fieldErrors: {}, invite: null });
    api.post("/api/v1/relatives", { name: this.data.name, id_number: this.data.idNumber,
                                    relation: FAMILY_RELATIONS[this.data.relationIndex],
                                    scopes: scopesFrom(this.data.chosen) })
      .then((created) => { this.setData({ invite: created }); return this.load(); }, (error) => showError(this, error));
  },
  accept() {
    this.setData({ error: "", fieldErrors: {} });
    api.post("/api/v1/relatives/accept", { code: this.data.code })
      .then((list) => this.show(list), (error) => showError(this, error));
  },
  // 查看记录: the relative's appointments, cases and licences (an authorisation in force with the view scope).
  records(event) {
    const { id, name } = event.currentTarget.dataset;
    wx.navigateTo({ url: `/pages/relatives/records?id=${id}&name=${encodeURIComponent(name)}` });
  },
  // 不同意 asks on the page first (no pop-up: 长辈模式), then ends the request as a revoke does.
  refuse(event) { this.setData({ refusing: Number(event.currentTarget.dataset.id) }); },
  keep() { this.setData({ refusing: null }); },
  revoke(event) {
    api.post(`/api/v1/relatives/${event.currentTarget.dataset.id}/revoke`, {})
      .then((list) => { this.setData({ refusing: null }); this.show(list); }, (error) => showError(this, error));
  },
});
