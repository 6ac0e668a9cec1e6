// 我的企业: the businesses the citizen acts for (as legal representative or agent, until when); the
// representative sees who acts for the business, ends an agent's authorisation (e.g. 已离职) and records the
// business's own payout account (对公账户), the only account its 免申即享 grants are paid to. Each business
// opens its own page (证照, 网上申报, 批量办理, 政策); how to become an agent is said here (it is done at a
// counter against one's verified identity, so an unverified citizen is sent to verify first).
const { api, showError } = require("../../utils/api.js");

Page({
  data: { businesses: [], chosen: null, links: [], payout: null, reasons: {}, accountName: "", bank: "",
          accountNumber: "", notice: "", loaded: false, error: "", fieldErrors: {}, elder: false, needVerify: false,
          reasonFor: null },
  onShow() {
    this.setData({ elder: getApp().globalData.elder });
    api.get("/api/v1/me").then((me) => this.setData({ needVerify: !me.verified }), () => null);
    return this.load();
  },
  verifyFirst() { wx.navigateTo({ url: "/pages/me/index" }); },
  openDetail(event) { wx.navigateTo({ url: `/pages/businesses/detail?id=${event.currentTarget.dataset.id}` }); },
  load() {
    return api.get("/api/v1/businesses").then((data) => this.setData({
      loaded: true,
      businesses: data.businesses.map((b) => Object.assign({}, b, {
        until: b.my_link_expires_at ? b.my_link_expires_at.slice(0, 10) : "" })),
    }), (error) => showError(this, error));
  },
  open(event) {
    const business = this.data.businesses.find((b) => String(b.id) === String(event.currentTarget.dataset.id));
    this.setData({ chosen: business, links: [], payout: null, notice: "", error: "", fieldErrors: {},
                   accountName: business ? business.name : "" });
    if (!business || business.my_role !== "representative") return null;
    return api.get(`/api/v1/businesses/${business.id}/agents`).then((list) => this.show(list),
                                                                    (error) => showError(this, error));
  },
  show(list) {
    this.setData({ links: list.links.map((l) => Object.assign({}, l, {
      until: l.expires_at ? l.expires_at.slice(0, 10) : "长期" })), payout: list.payout });
  },
  onReason(event) {
    this.setData({ reasons: Object.assign({}, this.data.reasons, { [event.currentTarget.dataset.id]: event.detail.value }) });
  },
  end(event) {
    const id = event.currentTarget.dataset.id;
    const reason = (this.data.reasons[id] || "").trim();
    if (!reason) {
      this.setData({ reasonFor: id, fieldErrors: { reason: "请先填写结束授权的原因，如“已离职”" } });
      return null;
    }
    this.setData({ error: "", fieldErrors: {}, reasonFor: id });
    return api.post(`/api/v1/businesses/${this.data.chosen.id}/agents/${id}/end`, { reason })
      .then((list) => { this.show(list); this.setData({ notice: "已结束该经办人的授权，对方已收到通知" }); },
            (error) => showError(this, error));
  },
  projects() {
    wx.navigateTo({ url: `/pages/businesses/projects?business_id=${this.data.chosen.id}` });
  },
  branches() {
    wx.navigateTo({ url: `/pages/businesses/branches?business_id=${this.data.chosen.id}` });
  },
  onAccountName(event) { this.setData({ accountName: event.detail.value }); },
  onBank(event) { this.setData({ bank: event.detail.value }); },
  onAccountNumber(event) { this.setData({ accountNumber: event.detail.value }); },
  savePayout() {
    this.setData({ error: "", fieldErrors: {} });
    return api.put(`/api/v1/businesses/${this.data.chosen.id}/payout-account`, {
      account_name: this.data.accountName, bank: this.data.bank, account_number: this.data.accountNumber,
    }).then((payout) => this.setData({ payout, notice: "已登记收款账户" }), (error) => showError(this, error));
  },
});
