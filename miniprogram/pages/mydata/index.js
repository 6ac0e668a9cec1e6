// 我的数据: ask for a copy of one's data (built on the server, kept 24 hours), download it, and 查询记录 —
// which staff viewed one's records.
const { api, showError } = require("../../utils/api.js");
const { TOKEN_KEY } = require("../../utils/request.js");
const { slotTime } = require("../../utils/format.js");
const config = require("../../config.js");

// Times as people read them (11月23日（周一）10:05, Beijing time), next to the API's fields.
const exportView = (e) => Object.assign({}, e, { requestedText: slotTime(e.requested_at),
                                                 expiresText: e.expires_at ? slotTime(e.expires_at) : "" });
const accessView = (a) => Object.assign({}, a, { atText: slotTime(a.at) });

Page({
  data: { exports: [], accesses: [], total: 0, page: 1, hasMore: false, error: "", fieldErrors: {}, done: "",
          elder: false },
  onShow() {
    this.setData({ elder: getApp().globalData.elder });
    this.loadExports();
    this.loadAccesses(1);
  },
  onPullDownRefresh() { this.refresh().then(() => wx.stopPullDownRefresh && wx.stopPullDownRefresh()); },
  /** 刷新 (a button, or pulling the page down): whether the copy is ready yet, and any new 查询记录. */
  refresh() { return Promise.all([this.loadExports(), this.loadAccesses(1)]); },
  loadExports() {
    return api.get("/api/v1/me/data-exports").then((answer) => this.setData({ exports: answer.exports.map(exportView) }),
                                                   (error) => showError(this, error));
  },
  loadAccesses(page) {
    return api.get(`/api/v1/me/access-log?page=${page}`).then((answer) => this.setData({
      accesses: (page === 1 ? [] : this.data.accesses).concat(answer.accesses.map(accessView)),
      total: answer.total, page, hasMore: answer.has_more,
    }), (error) => showError(this, error));
  },
  moreAccesses() { return this.loadAccesses(this.data.page + 1); },
  /** 申请导出: the server queues it (one at a time) and the list shows 排队中, then 生成中, then 已完成. */
  requestExport() {
    this.setData({ error: "", fieldErrors: {}, done: "" });
    api.post("/api/v1/me/data-exports", {})
      .then(() => this.setData({ done: "已申请。数据生成后会出现在下面的列表里，一般几分钟内完成，请稍后点“刷新”查看。" }))
      .then(() => this.loadExports(), (error) => showError(this, error));
  },
  /** 下载: the link wants the bearer header, so wx.downloadFile (not a web view); the PDF opens in WeChat's
   *  reader, the JSON file is sent to a chat (文件传输助手) to keep it, as WeChat cannot open JSON itself. */
  download(event) {
    const { url, format, id } = event.currentTarget.dataset;
    this.setData({ error: "", done: "" });
    wx.downloadFile({
      url: config.baseUrl + url,
      header: { Authorization: `Bearer ${wx.getStorageSync(TOKEN_KEY)}` },
      success: (result) => {
        if (result.statusCode !== 200) {
          this.setData({ error: "下载链接已过期或文件已删除，请重新申请导出。" });
          this.loadExports();
          return;
        }
        if (format === "pdf") {
          wx.openDocument({ filePath: result.tempFilePath, fileType: "pdf", showMenu: true });
        } else {
          wx.shareFileMessage({ filePath: result.tempFilePath, fileName: `banshi-mydata-${id}.json` });
        }
        this.setData({ done: format === "pdf" ? "已打开阅读版。" : "已下载数据文件，可发送到“文件传输助手”保存。" });
      },
      fail: () => this.setData({ error: "网络不好，下载没有完成，请稍后再试。" }),
    });
  },
});
