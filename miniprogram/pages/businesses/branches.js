// 分支机构批量变更: the business's agent files one change for many branches — the branch list read from the
// company's XLSX (or CSV), one set of shared materials, one filing — then follows each branch's own case and
// answers a 补正 on it; one message lists every branch's outcome when the last ends.
const { api, showError } = require("../../utils/api.js");

Page({
  data: { businessId: "", filings: [], filing: null, items: [], itemIndex: null, itemCode: "", centres: [],
          centreIndex: 0, title: "",
          branches: [], materialIds: [], loaded: false, notice: "", error: "", fieldErrors: {} },
  onLoad(query) {
    this.setData({ businessId: query.business_id || "", itemCode: query.item || "" });
    if (query.ref) this.openFiling(query.ref);
    this.loadItems();
  },
  // The business items by name (never a code to type); an item page's link (?item=) opens with that one chosen.
  loadItems() {
    return api.get("/api/v1/items", { audience: "business" }).then((data) => {
      const at = data.items.findIndex((item) => item.code === this.data.itemCode);
      this.setData({ items: data.items, itemIndex: at >= 0 ? at : null });
      if (at >= 0) return this.findCentres();
      return null;
    }, (error) => showError(this, error));
  },
  pickItem(event) {
    const item = this.data.items[Number(event.detail.value)];
    this.setData({ itemIndex: Number(event.detail.value), itemCode: item.code, fieldErrors: {} });
    return this.findCentres();
  },
  onShow() { if (this.data.businessId) this.load(); },
  load() {
    return api.get(`/api/v1/businesses/${this.data.businessId}/branch-filings`)
      .then((data) => this.setData({ loaded: true, filings: data.branch_filings }), (error) => showError(this, error));
  },
  open(event) { return this.openFiling(event.currentTarget.dataset.ref); },
  openFiling(reference) {
    return api.get(`/api/v1/businesses/${this.data.businessId}/branch-filings/${encodeURIComponent(reference)}`)
      .then((filing) => this.setData({ filing, error: "" }), (error) => showError(this, error));
  },
  openBranch(event) {
    wx.navigateTo({ url: `/pages/applications/detail?ref=${event.currentTarget.dataset.ref}` });
  },
  findCentres() {
    return api.get("/api/v1/centres", { item: this.data.itemCode })
      .then((data) => this.setData({ centres: data.centres, centreIndex: 0 }), (error) => showError(this, error));
  },
  pickCentre(event) { this.setData({ centreIndex: Number(event.detail.value) }); },
  onTitle(event) { this.setData({ title: event.detail.value }); },
  chooseList() {
    wx.chooseMessageFile({ count: 1, type: "file", extension: ["xlsx", "csv"], success: (chosen) => {
      this.setData({ error: "", fieldErrors: {} });
      api.upload("/api/v1/branch-lists", chosen.tempFiles[0].path)
        .then((data) => this.setData({ branches: data.branches, notice: `已读取${data.branches.length}个分支机构` }),
              (error) => showError(this, error));
    } });
  },
  chooseMaterials() {
    wx.chooseMedia({ count: 9, mediaType: ["image"], sizeType: ["compressed"], success: (chosen) => {
      Promise.all(chosen.tempFiles.map((f) => api.upload("/api/v1/files", f.tempFilePath, { purpose: "material" })))
        .then((stored) => this.setData({ materialIds: this.data.materialIds.concat(stored.map((s) => s.file.id)) }),
              (error) => showError(this, error));
    } });
  },
  submit() {
    const centre = this.data.centres[this.data.centreIndex];
    this.setData({ error: "", fieldErrors: {}, notice: "" });
    return api.post(`/api/v1/businesses/${this.data.businessId}/branch-filings`, {
      item_code: this.data.itemCode, centre_id: centre ? centre.id : 0, title: this.data.title,
      branches: this.data.branches, material_ids: this.data.materialIds,
    }).then((filing) => {
      this.setData({ filing, branches: [], materialIds: [], notice: `已提交，批次号 ${filing.reference}` });
      return this.load();
    }, (error) => showError(this, error));
  },
});
