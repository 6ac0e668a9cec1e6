const { ensureLogin } = require("./utils/api.js");
const { KEY, elderMode } = require("./utils/elder.js");

App({
  globalData: { elder: false },
  onLaunch() {
    // 长辈模式 follows WeChat's font size setting, or the citizen's own switch on the home page.
    const system = wx.getSystemInfoSync();
    this.globalData.elder = elderMode(system.fontSizeSetting, wx.getStorageSync(KEY));
    ensureLogin().catch(() => wx.showToast({ title: "登录失败，请稍后再试", icon: "none" }));
  },
});
