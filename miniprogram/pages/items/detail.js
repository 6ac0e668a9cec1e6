// Linked from licence-expiry reminders (pages/items/detail?code=…&centre=…): the guide, then booking.
Page({
  onLoad(query) { wx.redirectTo({ url: `/pages/items/index?code=${encodeURIComponent(query.code || "")}` }); },
});
