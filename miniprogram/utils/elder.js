// 长辈模式 for the mini-program: on when WeChat's font size is larger than standard, or when the citizen turns it
// on (kept in storage). Pure functions on values, so Node's test runner checks them.
const { elderFromFontSize } = require("./format.js");

const KEY = "banshi.elder";

/** On from the system font size (wx.getSystemInfoSync().fontSizeSetting) or the citizen's own switch: "1" on,
 * "0" off even with a large font (the citizen turned it off), anything else follows the font. */
function elderMode(fontSizeSetting, stored) {
  if (stored === "0") return false;
  return stored === "1" || elderFromFontSize(fontSizeSetting);
}

/** The home page's tiles: in 长辈模式 the three things most often done, then 消息 and 我的 (verification lives there). */
function homeTiles(all, elder) {
  const common = ["/pages/items/index?for=book", "/pages/appointments/index", "/pages/applications/index",
                  "/pages/messages/index", "/pages/me/index"];
  return elder ? all.filter((tile) => common.indexOf(tile.url) >= 0) : all;
}

/** A page's options with 长辈模式 in its data from the moment it loads: `elder` is set from the app before the
 * page's own onLoad runs, so every page's WXML root can bind class="{{elder ? 'elder' : ''}}". */
function withElder(options, isElder) {
  const onLoad = options.onLoad;
  return Object.assign({}, options, {
    data: Object.assign({ elder: false }, options.data),
    onLoad(query) {
      this.setData({ elder: Boolean(isElder()) });
      return onLoad ? onLoad.call(this, query) : undefined;
    },
  });
}

module.exports = { KEY, elderMode, homeTiles, withElder };
