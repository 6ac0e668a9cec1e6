/**
 * 政策订阅: which policy categories the citizen hears of when a new policy is published
 * (GET/PUT /api/v1/me/policy-subscriptions). Only what the server says is on starts ticked. Plain functions,
 * tested with Node's test runner.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.BanshiSubscriptions = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  /** One checkbox per category the server offers, ticked only when the server says it is on. */
  function categoryRows(answer) {
    var on = (answer && answer.categories) || [];
    return ((answer && answer.available) || []).map(function (name) {
      return { name: name, checked: on.indexOf(name) >= 0 };
    });
  }

  /** What is sent: the ticked categories, in the server's order, each once. */
  function chosenCategories(rows, ticked) {
    return rows.map(function (r) { return r.name; }).filter(function (name) { return (ticked || []).indexOf(name) >= 0; });
  }

  /** The confirmation once saved, from what the server now says is on. */
  function savedText(categories) {
    if (!categories || !categories.length) return "已保存。新政策发布时不再单独告诉您，您仍可随时在“政策快享”里查看。";
    return "已保存。有新的“" + categories.join("”“") + "”政策发布时，会在“消息”里告诉您。";
  }

  return { categoryRows: categoryRows, chosenCategories: chosenCategories, savedText: savedText };
});
