// 电子证照: one certificate with its QR code to show (the verification page it opens is public), and the PDF.
const { api, showError } = require("../../utils/api.js");

Page({
  data: { certificate: null, error: "" },
  onLoad(query) {
    this.id = query.id;
    api.get(`/api/v1/certificates/${this.id}`).then((certificate) => this.setData({ certificate }),
                                                    (error) => showError(this, error));
  },
  copyLink() {
    wx.setClipboardData({ data: this.data.certificate.verify_url });
  },
});
