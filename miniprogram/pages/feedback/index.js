const { api, showError } = require("../../utils/api.js");
const { LEVELS, FEEDBACK_KINDS: KINDS, RATING_UNCHOSEN, unchosen } = require("../../utils/format.js");

Page({
  data: { kinds: KINDS.map((k) => k[1]), kindIndex: 1, text: "", levels: LEVELS, level: null, comment: "",
          rate: null, error: "", fieldErrors: {}, done: "", photos: [], created: null,
          centres: [], centreNames: ["不涉及具体的服务中心"], centreIndex: 0 },
  onLoad(query) {
    if (query.rate) {
      this.setData({ rate: { target: query.rate, id: Number(query.id) } });
      wx.setNavigationBarTitle({ title: "评价这次服务" });
    }
    // Which service centre it is about (optional): it goes straight to that centre's staff.
    else api.get("/api/v1/centres").then((data) => this.setData({
      centres: data.centres, centreNames: ["不涉及具体的服务中心"].concat(data.centres.map((c) => c.name)) }), () => null);
  },
  onCentre(event) { this.setData({ centreIndex: Number(event.detail.value) }); },
  onKind(event) { this.setData({ kindIndex: Number(event.detail.value) }); },
  onText(event) { this.setData({ text: event.detail.value }); },
  onLevel(event) { this.setData({ level: Number(event.detail.value) }); },
  onComment(event) { this.setData({ comment: event.detail.value }); },
  // Photos: chosen on the phone, uploaded at once (the server strips their GPS position), sent as file ids.
  addPhotos() {
    const left = 6 - this.data.photos.length;
    if (left <= 0) return;
    wx.chooseMedia({ count: left, mediaType: ["image"], sizeType: ["compressed"], success: (chosen) => {
      Promise.all(chosen.tempFiles.map((f) => api.upload("/api/v1/files", f.tempFilePath, { purpose: "feedback" })
        .then((stored) => ({ id: stored.file.id, path: f.tempFilePath }))))
        .then((added) => this.setData({ photos: this.data.photos.concat(added) }), (error) => showError(this, error));
    } });
  },
  removePhoto(event) {
    this.setData({ photos: this.data.photos.filter((p) => p.id !== Number(event.currentTarget.dataset.id)) });
  },
  submit() {
    if (this.data.rate && this.data.done) return;   // rated: one service, one rating
    this.setData({ error: "", fieldErrors: {}, done: "" });
    // No level is chosen for the citizen (国办 2019 好差评 rules): without their choice nothing is sent.
    if (this.data.rate && !this.data.level) {
      showError(this, unchosen("level", RATING_UNCHOSEN));
      return;
    }
    const request = this.data.rate
      ? api.post("/api/v1/ratings", { target: this.data.rate.target, id: this.data.rate.id, level: this.data.level,
                                          comment: this.data.comment || undefined })
      : api.post("/api/v1/feedback", { kind: KINDS[this.data.kindIndex][0], text: this.data.text,
                                       centre_id: this.data.centreIndex ? this.data.centres[this.data.centreIndex - 1].id : undefined,
                                       photos: this.data.photos.map((p) => p.id) });
    // A 差评 opens a rectification: the citizen is told what happens next (the details come in 消息).
    request.then((result) => this.setData({ done: result && result.rectification_id
      ? "已提交，谢谢您！我们会尽快联系您核实，整改的结果会在“消息”里告诉您。" : "已提交，谢谢您！",
                                            created: this.data.rate ? null : result.id }),
    (error) => showError(this, error));
  },
  // After filing: the complaint itself, its photos and, later, its answer.
  openCreated() { wx.navigateTo({ url: `/pages/feedback/detail?id=${this.data.created}` }); },
});
