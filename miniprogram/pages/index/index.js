const { KEY, homeTiles } = require("../../utils/elder.js");

const TILES = [
  { title: "我要办事（情景引导）", url: "/pages/guide/index" },
  { title: "办事指南", url: "/pages/items/index" },
  { title: "预约办事", url: "/pages/items/index?for=book" },   // the item first: a booking is for something
  { title: "我的预约", url: "/pages/appointments/index" },
  { title: "我的候补", url: "/pages/waitlist/index" },
  { title: "现场取号", url: "/pages/tickets/index" },
  { title: "我的证照", url: "/pages/licences/index" },
  { title: "政策快享（免申即享）", url: "/pages/policies/index" },
  { title: "办件进度", url: "/pages/applications/index" },
  { title: "一件事（几件事一次办）", url: "/pages/bundles/index" },
  { title: "诉求与评价", url: "/pages/feedback/index" },
  { title: "消息", url: "/pages/messages/index" },
  { title: "我的（实名核验、亲友代办）", url: "/pages/me/index" },
];

Page({
  data: { q: "", elder: false, tiles: TILES },
  onShow() {
    const elder = getApp().globalData.elder;
    this.setData({ elder, tiles: homeTiles(TILES, elder) });
  },
  toggleElder() {
    const elder = !this.data.elder;
    getApp().globalData.elder = elder;
    wx.setStorageSync(KEY, elder ? "1" : "0");   // "0": off, even when a large font would turn it on
    this.setData({ elder, tiles: homeTiles(TILES, elder) });
  },
  open(event) {
    wx.navigateTo({ url: event.currentTarget.dataset.url });
  },
  onInput(event) { this.setData({ q: event.detail.value }); },
  // The home search box asks 智能导服 (answers, scenarios and items), not only the item list.
  search() { wx.navigateTo({ url: `/pages/guide/index?q=${encodeURIComponent(this.data.q)}` }); },
});
