const { ensureLogin } = require("./utils/api.js");
const { KEY, elderMode, withElder } = require("./utils/elder.js");

// 长辈模式 on every page: each page's data gets `elder` as it loads (its WXML root binds the elder class), so a
// page never has to remember it. Wrapping the global Page constructor here, before any page registers.
const registerPage = Page;
Page = (options) => registerPage(withElder(options, () => getApp().globalData.elder));

App({
  globalData: { elder: false },
  onLaunch() {
    // 长辈模式 follows WeChat's font size setting, or the citizen's own switch on the home page.
    const system = wx.getSystemInfoSync();
    this.globalData.elder = elderMode(system.fontSizeSetting, wx.getStorageSync(KEY));
    // The server's reason when it gave one (an account being deleted: when it can log in again), kept on screen
    // until read; otherwise WeChat's login itself failed.
    ensureLogin().catch((error) => wx.showModal({
      title: "登录没有成功", showCancel: false, confirmText: "知道了",
      content: error && error.name === "BanshiError" ? error.message : "登录失败，请稍后再试" }));
  },
});
