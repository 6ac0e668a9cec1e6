// 电子证照: one certificate with its QR code to show (the verification page it opens is public), and the PDF.
const { api, showError } = require("../../utils/api.js");
const { TOKEN_KEY } = require("../../utils/request.js");
const config = require("../../config.js");

Page({
  data: { certificate: null, error: "", done: "" },
  onLoad(query) {
    this.id = query.id;
    api.get(`/api/v1/certificates/${this.id}`).then((certificate) => this.setData({ certificate }),
                                                    (error) => showError(this, error));
  },
  copyLink() {
    wx.setClipboardData({ data: this.data.certificate.verify_url });
  },
  /** 保存PDF: the printable copy with its QR code (the link wants the bearer header, so wx.downloadFile); it opens
   *  in WeChat's reader, whose menu saves or forwards it. */
  savePdf() {
    this.setData({ error: "", done: "" });
    wx.downloadFile({
      url: config.baseUrl + `/api/v1/certificates/${this.id}/pdf`,
      header: { Authorization: `Bearer ${wx.getStorageSync(TOKEN_KEY)}` },
      success: (result) => {
        if (result.statusCode !== 200) {
          this.setData({ error: "这张证照现在不能下载，请返回“我的证照”刷新后再试。" });
          return;
        }
        wx.openDocument({ filePath: result.tempFilePath, fileType: "pdf", showMenu: true });
        this.setData({ done: "已打开可打印的证照，点右上角“…”可以保存或转发。" });
      },
      fail: () => this.setData({ error: "网络不好，下载没有完成，请稍后再试。" }),
    });
  },
});
