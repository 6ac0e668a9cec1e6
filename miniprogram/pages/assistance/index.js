// 帮办代办: ask a centre's helpers for help (from an item's guide: ?code=…, or from 我的), and the list of one's requests.
const { api, showError } = require("../../utils/api.js");
const { dayWords } = require("../../utils/format.js");

Page({
  data: { elder: false, code: "", itemName: "", centres: [], centreIndex: 0, situation: "", requests: [],
          businesses: [], forWhom: ["本人"], forIndex: 0,
          error: "", fieldErrors: {}, done: "", claimed: "", busy: false },
  onLoad(query) {
    this.setData({ elder: getApp().globalData.elder, code: query.code ? decodeURIComponent(query.code) : "" });
    if (this.data.code) {
      api.get(`/api/v1/items/${encodeURIComponent(this.data.code)}`).then((item) => this.setData({ itemName: item.name }),
                                                                           () => null);
    }
    // An agent or legal representative may ask for a business they act for now.
    api.get("/api/v1/businesses").then((data) => this.setData({
      businesses: data.businesses, forWhom: ["本人"].concat(data.businesses.map((b) => `企业：${b.name}`)) }), () => null);
    api.get("/api/v1/centres", this.data.code ? { item: this.data.code } : {})
      .then((data) => this.setData({ centres: data.centres }), (error) => showError(this, error));
  },
  onShow() { this.load(); },
  load() {
    api.get("/api/v1/assistance").then((data) => this.setData({ requests: data.requests }), (error) => showError(this, error));
  },
  pickFor(event) { this.setData({ forIndex: Number(event.detail.value) }); },
  pickCentre(event) { this.setData({ centreIndex: Number(event.detail.value) }); },
  onSituation(event) { this.setData({ situation: event.detail.value }); },
  // One tap, one request: the button waits for the answer, and a request sent empties the box.
  ask() {
    if (this.data.busy) return;
    this.setData({ error: "", fieldErrors: {}, done: "", busy: true });
    const centre = this.data.centres[this.data.centreIndex];
    const business = this.data.forIndex > 0 ? this.data.businesses[this.data.forIndex - 1] : null;
    api.post("/api/v1/assistance", { centre_id: centre ? centre.id : undefined, item_code: this.data.code || undefined,
                                     situation: this.data.situation || undefined,
                                     business_id: business ? business.id : undefined })
      .then((created) => {
        this.setData({ situation: "", busy: false,
                       done: `已提交。帮办员会在 ${dayWords(created.contact_due_on)} 前打电话联系您，请留意来电。` });
        this.load();
      }, (error) => { this.setData({ busy: false }); showError(this, error); });
  },
  // 找回: the requests a 代办点 desk wrote down with this account's face-verified ID number become the caller's.
  claim() {
    this.setData({ error: "", claimed: "" });
    return api.post("/api/v1/assistance/claim", {}).then((data) => {
      this.setData({ claimed: data.claimed.length ? `已找回 ${data.claimed.length} 件，列在上面“我的帮办请求”里。`
        : "没有找到代办点为您登记的求助：请确认登记时填了您的身份证号。" });
      return this.load();
    }, (error) => showError(this, error));
  },
  open(event) { wx.navigateTo({ url: `/pages/assistance/detail?id=${event.currentTarget.dataset.id}` }); },
});
