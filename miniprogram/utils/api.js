// The shared client with WeChat's transport and storage. Pages require this, never wx.request directly.
const { createClient } = require("./request.js");
const config = require("../config.js");

function wxTransport(request) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: request.url,
      method: request.method,
      header: request.headers,
      data: request.body === null ? undefined : request.body,
      timeout: 10000,
      success: (response) => resolve({ status: response.statusCode, data: response.data }),
      fail: reject,
    });
  });
}

function wxUploader(upload) {
  return new Promise((resolve, reject) => {
    wx.uploadFile({
      url: upload.url,
      filePath: upload.filePath,
      name: upload.name,
      formData: upload.formData,
      header: upload.headers,
      timeout: 60000,
      success: (response) => resolve({ status: response.statusCode, data: response.data }),
      fail: reject,
    });
  });
}

const storage = {
  get: (key) => wx.getStorageSync(key) || null,
  set: (key, value) => wx.setStorageSync(key, value),
  remove: (key) => wx.removeStorageSync(key),
};

const api = createClient({
  transport: wxTransport,
  uploader: wxUploader,
  storage,
  baseUrl: config.baseUrl,
  onLoggedOut: () => wx.reLaunch({ url: "/pages/index/index" }),
});

/** wx.login → POST /api/v1/auth/login; called on launch and after a 401. */
function ensureLogin() {
  if (api.loggedIn()) return Promise.resolve();
  // The page opened with the launch may already be asking: its requests wait for this login (request.js).
  return api.whileLoggingIn(new Promise((resolve, reject) => wx.login({ success: resolve, fail: reject }))
    .then((result) => api.login(result.code)));
}

/** Shows an API error: the message in a toast, field messages returned for the page to place. */
function showError(page, error) {
  const { fieldMessages } = require("./format.js");
  page.setData({ error: error.message, fieldErrors: fieldMessages(error) });
}

module.exports = { api, ensureLogin, showError };
