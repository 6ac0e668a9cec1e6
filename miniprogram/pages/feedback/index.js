const { api, showError } = require("../../utils/api.js");
const { LEVELS, FEEDBACK_KINDS: KINDS } = require("../../utils/format.js");

Page({
  data: { kinds: KINDS.map((k) => k[1]), kindIndex: 1, text: "", levels: LEVELS, level: 5, comment: "",
          rate: null, error: "", fieldErrors: {}, done: "" },
  onLoad(query) { if (query.rate) this.setData({ rate: { target: query.rate, id: Number(query.id) } }); },
  onKind(event) { this.setData({ kindIndex: Number(event.detail.value) }); },
  onText(event) { this.setData({ text: event.detail.value }); },
  onLevel(event) { this.setData({ level: Number(event.detail.value) }); },
  onComment(event) { this.setData({ comment: event.detail.value }); },
  submit() {
    this.setData({ error: "", fieldErrors: {} });
    const request = this.data.rate
      ? api.post("/api/v1/ratings", { target: this.data.rate.target, id: this.data.rate.id, level: this.data.level,
                                          comment: this.data.comment || undefined })
      : api.post("/api/v1/feedback", { kind: KINDS[this.data.kindIndex][0], text: this.data.text });
    request.then(() => this.setData({ done: "已提交，谢谢您！" }), (error) => showError(this, error));
  },
});
