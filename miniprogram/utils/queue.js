/**
 * The hall's queue as a citizen reads it before going: per window, how many wait and about how long, and which
 * numbers are being served now — in words (GET /api/v1/centres/{id}/queue).
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.BanshiQueue = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  function queueLines(queue) {
    return (queue.windows || []).map(function (w) {
      var waiting = w.waiting > 0 ? "等候 " + w.waiting + " 人，大约要等 " + w.estimated_wait_minutes + " 分钟"
        : "现在不用排队";
      var serving = w.now_serving && w.now_serving.length ? "；正在办理：" + w.now_serving.join("、") : "";
      return { id: w.window_id, text: w.window_name + "：" + waiting + serving };
    });
  }

  return { queueLines: queueLines };
});
