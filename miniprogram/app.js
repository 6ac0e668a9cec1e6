const { ensureLogin } = require("./utils/api.js");

App({
  onLaunch() {
    ensureLogin().catch(() => wx.showToast({ title: "登录失败，请稍后再试", icon: "none" }));
  },
});
