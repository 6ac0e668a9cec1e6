// One policy: the benefit, the 白话解读, its conditions in plain words, and whether the citizen (and each
// business they act for) meets them, condition by condition.
const { api, showError } = require("../../utils/api.js");

Page({
  data: { policy: null, results: [], error: "" },
  onLoad(query) {
    this.id = query.id;
    api.get(`/api/v1/policies/${this.id}`).then((policy) => this.setData({ policy }), (error) => showError(this, error));
    api.get(`/api/v1/policies/${this.id}/eligibility`).then((data) => this.setData({ results: data.results }),
                                                          () => this.setData({ results: [] }));
  },
});
