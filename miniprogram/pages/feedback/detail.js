// 诉求详情: what the citizen said, the photos they sent (each fetched as a fresh signed link), the state, the answer.
const { api, showError } = require("../../utils/api.js");
const config = require("../../config.js");

Page({
  data: { feedback: null, photos: [], error: "" },
  onLoad(query) {
    this.id = query.id;
    return api.get(`/api/v1/feedback/${this.id}`).then((feedback) => {
      this.setData({ feedback });
      return Promise.all((feedback.photos || []).map((id) => api.get(`/api/v1/files/${id}`)
        .then((data) => ({ id, src: data.file.url.startsWith("/") ? config.baseUrl + data.file.url : data.file.url }),
              () => ({ id, src: "", missing: true }))))
        .then((photos) => this.setData({ photos }));
    }, (e) => showError(this, e));
  },
  preview(event) {
    const urls = this.data.photos.filter((p) => p.src).map((p) => p.src);
    wx.previewImage({ current: event.currentTarget.dataset.src, urls });
  },
  rate() { wx.navigateTo({ url: `/pages/feedback/index?rate=feedback&id=${this.id}` }); },
});
