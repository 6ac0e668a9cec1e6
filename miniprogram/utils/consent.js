/**
 * The subscribe-message consent flow: a page loads the consent list when it shows; on the citizen's tap it asks
 * WeChat (wx.requestSubscribeMessage, at once: WeChat shows the prompt only straight from a tap) for up to three
 * templates of one kind, then reports WeChat's answer so the backend only pushes what the citizen accepted
 * (one-time consents are counted).
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

  /** Whether WeChat's prompt can still ask for it: not on yet, and not switched off in WeChat (ban) or filtered. */
  function askable(row) {
    return stillToAsk(row) && row.status !== "ban" && row.status !== "filter";
  }

  /**
   * What one tap asks for: up to three askable templates of one kind (WeChat refuses one-time and long-term ids in
   * the same call, errCode 20002). A page that names its own notices (`prefer`, template groups, most needed first)
   * asks for those only: a booking's prompt never asks about 办件进度. 订阅通知 names none and asks for any.
   */
  function toAsk(rows, prefer) {
    var wanted = prefer || [];
    var rank = function (row) { var at = wanted.indexOf(row.group); return at < 0 ? wanted.length : at; };
    var open = (rows || []).filter(askable).filter(function (row) { return !wanted.length || rank(row) < wanted.length; })
      .sort(function (a, b) { return rank(a) - rank(b); });
    if (!open.length) return [];
    var kind = open[0].subscription;
    return open.filter(function (row) { return row.subscription === kind; }).slice(0, MAX_PER_REQUEST)
      .map(function (row) { return row.template_id; });
  }

  function leftOf(rows) {
    return (rows || []).filter(askable).length;
  }

  /** The consent list, loaded when a page shows (an error leaves it empty: then nothing is asked). */
  function loadConsents(client) {
    return client.get("/api/v1/subscriptions").then(function (list) { return list.subscriptions || []; },
                                                    function () { return []; });
  }

  /**
   * Ask WeChat for what `toAsk` picks from `rows` — the list the page loaded before the tap: WeChat shows its prompt
   * only when called straight from the citizen's tap, so nothing may be fetched first — then report the answer.
   * Answers { results, subscriptions (the list as it now stands), left (how many a later tap can still ask),
   * failed (WeChat did not show the prompt) }.
   */
  function requestConsents(client, ask, rows, prefer) {
    var ids = toAsk(rows, prefer);
    if (!ids.length) return Promise.resolve({ results: {}, subscriptions: rows || [], left: leftOf(rows), failed: false });
    return ask(ids).then(function (answer) {
      var results = {};
      ids.forEach(function (id) {
        var value = answer && answer[id];
        if (["accept", "reject", "ban", "filter"].indexOf(value) >= 0) results[id] = value;
      });
      var failed = Boolean(answer && /:fail/.test(answer.errMsg || ""));
      if (!Object.keys(results).length) return { results: results, subscriptions: rows, left: leftOf(rows), failed: failed };
      return client.post("/api/v1/subscriptions", { results: results }).then(function (saved) {
        return { results: results, subscriptions: saved.subscriptions, left: leftOf(saved.subscriptions), failed: false };
      });
    });
  }

  /** wx.requestSubscribeMessage as a promise of WeChat's answer (its fail answer too: nothing is then recorded). */
  function askWeChat(ids) {
    return new Promise(function (resolve) {
      wx.requestSubscribeMessage({ tmplIds: ids, success: resolve, fail: resolve });
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

  return { requestConsents: requestConsents, loadConsents: loadConsents, askWeChat: askWeChat, toAsk: toAsk,
           askable: askable, stillToAsk: stillToAsk, leftText: leftText, consentRows: consentRows,
           MAX_PER_REQUEST: MAX_PER_REQUEST };
});
