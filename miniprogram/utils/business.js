/** Words for 我的企业 and a case's result delivery: plain functions on API values, tested with Node's test runner. */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.BanshiBusiness = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  /** How the case's result reaches the citizen, in words: a mailed result's carrier, tracking number and where
   *  it is; a pickup's place and hours. One shape for both (the page binds every key). Null while nothing is
   *  decided (the API's delivery.method is empty). */
  function deliveryView(application) {
    var delivery = (application && application.delivery) || {};
    if (delivery.method === "mail") {
      var state = application.status === "completed" ? "已送达，办件已办结"
        : application.status === "mailed" ? "已寄出，正在派送，请留意快递员电话" : "将邮寄到您填写的地址";
      return { kind: "mail", title: "结果邮寄", state: state, carrier: delivery.carrier || "",
               tracking: delivery.tracking_number || "", place: "", hours: "" };
    }
    if (delivery.method === "pickup") {
      var pickup = application.status === "completed" ? "已领取，办件已办结" : "请带身份证原件领取";
      return { kind: "pickup", title: "到中心领取", state: pickup, carrier: "", tracking: "",
               place: delivery.pickup_place || "", hours: delivery.pickup_hours || "" };
    }
    return null;
  }

  /** "共 3 人：审核中 2 人，已邮寄 1 人". */
  function batchProgressText(batch) {
    var total = (batch.members || []).length;
    var parts = (batch.progress || []).map(function (p) { return p.status_name + " " + p.count + " 人"; });
    return "共 " + total + " 人" + (parts.length ? "：" + parts.join("，") : "");
  }

  /** A filing in words: a draft still to finish, or the 受理编号 it became. */
  function filingState(filing) {
    if (filing.status === "draft") return "草稿，还没有提交";
    return filing.reference ? "已提交，受理编号 " + filing.reference : "已提交";
  }

  return { deliveryView: deliveryView, batchProgressText: batchProgressText, filingState: filingState };
});
