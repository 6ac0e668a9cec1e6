// 我的: face verification (人脸核身) before booking, and the phone WeChat vouches for.
const { api, showError } = require("../../utils/api.js");
const { TOKEN_KEY } = require("../../utils/request.js");
const { faceOutcome } = require("../../utils/format.js");
const { KEY } = require("../../utils/elder.js");

Page({
  // loaded: the first answer about the account came (or failed). Until then only the profile card's place is shown,
  // so nothing moves under a finger when it arrives (an unverified account's form goes in above the list).
  data: { me: null, loaded: false, verifyResult: "", realName: "", idNumber: "", error: "", fieldErrors: {}, done: "", confirm: "",
          elder: false, sms: null, smsOn: [] },
  onShow() {
    this.setData({ elder: getApp().globalData.elder });
    this.load();
    api.get("/api/v1/me/sms").then((sms) => this.setData({
      sms, smsOn: sms.kinds.filter((k) => k.enabled).map((k) => k.kind) }), () => null);
  },
  onSmsKinds(event) { this.setData({ smsOn: event.detail.value }); },
  /** 短信提醒: the kinds left unticked are never sent by SMS (in-app and WeChat are unaffected). */
  saveSms() {
    const off = this.data.sms.kinds.map((k) => k.kind).filter((kind) => this.data.smsOn.indexOf(kind) < 0);
    api.put("/api/v1/me/sms", { opted_out: off })
      .then((sms) => this.setData({ sms, done: "短信提醒设置已保存" }), (error) => showError(this, error));
  },
  load() {
    return api.get("/api/v1/me").then((me) => this.setData({ me, loaded: true }),
                                      (error) => { this.setData({ loaded: true }); showError(this, error); });
  },
  goBook() { wx.navigateTo({ url: "/pages/items/index?for=book" }); },
  onName(event) { this.setData({ realName: event.detail.value }); },
  onIdNumber(event) { this.setData({ idNumber: event.detail.value }); },
  onConfirm(event) { this.setData({ confirm: event.detail.value }); },
  toggleElder() {
    const elder = !this.data.elder;
    getApp().globalData.elder = elder;
    wx.setStorageSync(KEY, elder ? "1" : "");
    this.setData({ elder });
  },
  /** 注销: the server cancels, revokes and later erases; this phone forgets the login and goes home. */
  deleteAccount() {
    this.setData({ error: "", fieldErrors: {}, done: "" });
    api.post("/api/v1/me/deletion", { confirm: this.data.confirm })
      .then((result) => {
        // The server revoked every session: forget it here (a logout call's 401 would leave the page at once).
        wx.removeStorageSync(TOKEN_KEY);
        this.setData({ me: null, done: result.message });
      }, (error) => showError(this, error));
  },
  /** getVerifyId on the server, wx.requestFacialVerify on the phone, then the server asks WeChat how it went. */
  verify() {
    this.setData({ error: "", fieldErrors: {}, done: "", verifyResult: "" });
    api.post("/api/v1/me/verifications", { real_name: this.data.realName, id_number: this.data.idNumber })
      .then((started) => new Promise((resolve) => wx.requestFacialVerify({
        verifyId: started.verify_id,
        success: () => resolve(started),
        // A cancelled or failed check on the phone still ends the attempt on the server with its reason.
        fail: () => resolve(started),
      })))
      .then((started) => api.post(`/api/v1/me/verifications/${started.id}/confirm`, {}))
      .then((me) => this.setData({ me, verifyResult: faceOutcome(me) }), (error) => showError(this, error));
  },
  /** <button open-type="getPhoneNumber">: the code is exchanged by the server, never decrypted here. */
  onPhoneNumber(event) {
    if (!event.detail.code) return;   // the citizen declined
    api.post("/api/v1/me/phone", { code: event.detail.code })
      .then((me) => this.setData({ me }), (error) => showError(this, error));
  },
});
