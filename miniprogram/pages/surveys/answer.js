const { api, showError } = require("../../utils/api.js");

Page({
  data: { survey: null, answers: {}, error: "", fieldErrors: {}, thanks: "" },
  onLoad(query) {
    this.token = query.token;
    api.get(`/api/v1/surveys/${encodeURIComponent(this.token)}`)
      .then((survey) => this.setData({ survey }), (error) => showError(this, error));
  },
  onAnswer(event) {
    const { key, kind } = event.currentTarget.dataset;
    let value = event.detail.value;
    if (kind === "scale") value = Number(value);
    if (kind === "yes_no") value = value === "true";
    this.setData({ [`answers.${key}`]: value });
  },
  submit() {
    this.setData({ error: "", fieldErrors: {} });
    api.post(`/api/v1/surveys/${encodeURIComponent(this.token)}/answers`, { answers: this.data.answers })
      .then((result) => this.setData({ thanks: result.thanks }), (error) => showError(this, error));
  },
});
