// 长辈模式 for the mini-program: on when WeChat's font size is larger than standard, or when the citizen turns it
// on (kept in storage). Pure functions on values, so Node's test runner checks them.
const { elderFromFontSize } = require("./format.js");

const KEY = "banshi.elder";

/** On from the system font size (wx.getSystemInfoSync().fontSizeSetting) or the citizen's own switch. */
function elderMode(fontSizeSetting, stored) {
  return stored === "1" || elderFromFontSize(fontSizeSetting);
}

/** The home page's tiles: in 长辈模式 only the three things most often done. */
function homeTiles(all, elder) {
  // The three most used, as in the simulator: book, my appointments, application progress.
  const common = ["/pages/book/index", "/pages/appointments/index", "/pages/applications/detail"];
  return elder ? all.filter((tile) => common.indexOf(tile.url) >= 0) : all;
}

module.exports = { KEY, elderMode, homeTiles };
