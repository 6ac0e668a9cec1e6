// Where this mini-program's Banshi runs. In the WeChat console add the same host as a "request合法域名".
module.exports = {
  baseUrl: "https://banshi.example.gov.cn",
  // Template ids come from GET /api/v1/subscriptions; nothing to configure here.
};
