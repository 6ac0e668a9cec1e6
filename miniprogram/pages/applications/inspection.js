// 远程踏勘: when the inspector looks at the site by video, the link to join, and per checklist line the photos or
// short video the applicant sends (wx.chooseMedia, then wx.uploadFile to /api/v1/files, purpose inspection), until
// the inspector concludes; then the result, line by line. Opened from the case page (?ref=).
const { api, showError } = require("../../utils/api.js");
const { inspectionView, mediaOptions } = require("../../utils/cases.js");

Page({
  data: { reference: "", inspection: null, view: null, elder: false, busy: "", copied: "", notice: "", error: "",
          fieldErrors: {} },
  onLoad(query) {
    this.setData({ elder: Boolean(getApp().globalData.elder), reference: decodeURIComponent(query.ref || "") });
    return this.load();
  },
  path() { return `/api/v1/applications/${encodeURIComponent(this.data.reference)}/inspection`; },
  load() {
    return api.get(this.path()).then((inspection) => this.show(inspection), (error) => showError(this, error));
  },
  show(inspection) { this.setData({ inspection, view: inspectionView(inspection) }); },
  /** The video call runs in the city's own video system: its link is copied to open there. */
  copyLink() {
    const link = this.data.view && this.data.view.link;
    if (!link) return;
    wx.setClipboardData({ data: link, success: () => this.setData({ copied: "链接已复制，请在浏览器中打开，按约定时间进入视频踏勘" }) });
  },
  /** One checklist line: photos or a short video from the camera or album, each uploaded, then sent together. */
  send(event) {
    const key = event.currentTarget.dataset.key;
    if (this.data.busy) return null;
    const line = this.data.view.lines.find((l) => l.key === key);
    this.setData({ error: "", fieldErrors: {}, notice: "" });
    return new Promise((resolve) => wx.chooseMedia(Object.assign(mediaOptions(), { success: resolve, fail: () => resolve(null) })))
      .then((chosen) => {
        if (!chosen || !chosen.tempFiles.length) return null;
        this.setData({ busy: key, notice: `正在上传“${line.text}”的照片或视频…` });
        return Promise.all(chosen.tempFiles.map((f) => api.upload("/api/v1/files", f.tempFilePath, { purpose: "inspection" })))
          .then((stored) => api.post(
            `/api/v1/applications/${encodeURIComponent(this.data.reference)}/inspection/evidence`, { line: key, file_ids: stored.map((s) => s.file.id) }))
          .then((inspection) => {
            this.show(inspection);
            this.setData({ notice: `“${line.text}”已上传，踏勘人员会在视频踏勘时查看` });
          });
      })
      .catch((error) => {
        this.setData({ notice: "" });
        showError(this, { message: error.message, fields: { [key]: error.message } });
      })
      .then(() => this.setData({ busy: "" }));
  },
  openCase() { wx.navigateTo({ url: `/pages/applications/detail?ref=${encodeURIComponent(this.data.reference)}` }); },
});
