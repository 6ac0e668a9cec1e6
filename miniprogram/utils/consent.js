/**
 * The subscribe-message consent flow: ask for the templates the server lists, then report WeChat's
 * answer back so the backend only pushes what the citizen accepted (one-time consents are counted).
 * `ask` is wx.requestSubscribeMessage in the mini-program and the emulator's consent call in the simulator.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.BanshiConsent = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var MAX_PER_REQUEST = 3;  // wx.requestSubscribeMessage takes at most three template ids at a time

  /** Whether the template still needs the citizen's yes: never accepted, or a one-time consent used up. */
  function stillToAsk(row) {
    if (row.status !== "accept") return true;
    return row.subscription === "one_time" && !(row.remaining_one_time > 0);
  }

  /**
   * Ask for up to three templates the citizen has not (or no longer) granted, those named in `prefer` (template
   * groups, e.g. the booking's own) first. Answers `left`: how many still wait for a later tap.
   */
  function requestConsents(client, ask, prefer) {
    var wanted = prefer || [];
    return client.get("/api/v1/subscriptions").then(function (list) {
      var rows = (list.subscriptions || []).filter(stillToAsk);
      var rank = function (row) { var at = wanted.indexOf(row.group); return at < 0 ? wanted.length : at; };
      rows.sort(function (a, b) { return rank(a) - rank(b); });
      var ids = rows.map(function (c) { return c.template_id; }).slice(0, MAX_PER_REQUEST);
      var left = Math.max(rows.length - ids.length, 0);
      if (!ids.length) return { results: {}, left: 0 };
      return ask(ids).then(function (answer) {
        var results = {};
        ids.forEach(function (id) {
          var value = answer && answer[id];
          if (["accept", "reject", "ban", "filter"].indexOf(value) >= 0) results[id] = value;
        });
        if (!Object.keys(results).length) return { results: results, left: left };
        return client.post("/api/v1/subscriptions", { results: results }).then(function (saved) {
          return { results: results, subscriptions: saved.subscriptions, left: left };
        });
      });
    });
  }

  /** What to tell the citizen after a tap: how many kinds of notice still wait for their yes. */
  function leftText(left) {
    return left > 0 ? "还有 " + left + " 类通知未开启，再点一次“允许接收通知”继续开启（微信每次最多询问 3 类）" :
      "需要的通知都已开启";
  }

  /** One line per notice for 订阅通知: what it is for and where it stands, in words (never the template's key). */
  function consentRows(list) {
    return (list.subscriptions || []).map(function (row) {
      var state;
      if (row.status === "accept" && row.subscription === "long_term") state = "已开启（长期）";
      else if (row.status === "accept" && row.remaining_one_time > 0) state = "已开启（还能收 " + row.remaining_one_time + " 条）";
      else if (row.status === "accept") state = "已用完，需要再开启";
      else if (row.status === "ban") state = "已在微信里关闭，请在微信“设置 - 订阅消息”里打开";
      else if (row.status === "reject") state = "您没有允许";
      else state = "未开启";
      return { id: row.template_id, purpose: row.purpose, state: state, on: !stillToAsk(row) };
    });
  }

  return { requestConsents: requestConsents, stillToAsk: stillToAsk, leftText: leftText, consentRows: consentRows,
           MAX_PER_REQUEST: MAX_PER_REQUEST };
});
