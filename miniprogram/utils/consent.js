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

  function requestConsents(client, ask) {
    return client.get("/api/v1/subscriptions").then(function (list) {
      // Not yet granted first (long-term ones once accepted stay accepted; one-time ones may be asked again).
      var rows = (list.subscriptions || []).slice().sort(function (a, b) {
        return (a.status === "accept") - (b.status === "accept");
      });
      var ids = rows.map(function (c) { return c.template_id; }).slice(0, MAX_PER_REQUEST);
      if (!ids.length) return { results: {} };
      return ask(ids).then(function (answer) {
        var results = {};
        ids.forEach(function (id) {
          var value = answer && answer[id];
          if (["accept", "reject", "ban", "filter"].indexOf(value) >= 0) results[id] = value;
        });
        if (!Object.keys(results).length) return { results: results };
        return client.post("/api/v1/subscriptions", { results: results }).then(function (saved) {
          return { results: results, subscriptions: saved.subscriptions };
        });
      });
    });
  }

  return { requestConsents: requestConsents, MAX_PER_REQUEST: MAX_PER_REQUEST };
});
