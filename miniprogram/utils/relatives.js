/**
 * 亲友代办 (view scope): what the page of a relative's records shows from the four answers of
 * /api/v1/relatives/{id}/appointments|applications|licences|certificates, and what it says when the authorisation
 * no longer lets the caller look. Plain functions on the API's answers, tested with Node's test runner.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory(require("./format.js"), require("./cases.js"));
  else root.BanshiRelatives = factory(root.BanshiFormat, root.BanshiCases);
})(typeof self !== "undefined" ? self : this, function (format, cases) {
  "use strict";

  /** The relative's records as rows to read: bookings, cases, licences and 电子证照, masked as the API gives them. */
  function recordsView(appointments, applications, licences, certificates) {
    return {
      appointments: ((appointments && appointments.appointments) || []).map(function (a) {
        return { id: a.id, names: (a.items || []).map(function (i) { return i.name; }).join("、"),
                 when: format.slotTime(a.starts_at), where: a.centre_name + "（" + a.window_name + "）",
                 state: a.status_name };
      }),
      cases: cases.caseRows((applications && applications.applications) || []),
      licences: ((licences && licences.licences) || []).map(function (l) {
        return { id: l.id, type: l.licence_type, number: l.number, holder: l.holder_name,
                 issuer: l.issuing_centre, until: l.expires_on, state: format.licenceState(l) };
      }),
      certificates: ((certificates && certificates.certificates) || []).map(function (c) {
        return { id: c.id, type: c.type_name, identifier: c.identifier, state: c.status_name, until: c.expires_on };
      }),
    };
  }

  /** What the page says when the API will not show the records: an authorisation no longer in force (404: revoked,
   *  expired, or one's own verification gone) or one without 查看办件与证照 (403). Anything else: the API's words. */
  function refusalText(error, name) {
    var who = name || "这位亲友";
    if (error && error.code === "relative_not_found") {
      return "您对" + who + "的代办授权已经结束（已撤销或已过期），不能再查看其预约、办件和证照。" +
             "如需继续代办，请在“亲友代办”里重新申请授权。";
    }
    if (error && error.code === "scope_not_granted") {
      return who + "授权您办的事里不包括“查看办件与证照”，所以这里看不到其记录。" +
             "如需查看，请在“亲友代办”里重新申请，并勾选“查看办件与证照”。";
    }
    return (error && error.message) || "暂时查不到，请稍后再试";
  }

  /** The relatives list offers 查看记录 only for an authorisation in force that grants the view scope. */
  function canView(authorisation) {
    return Boolean(authorisation && authorisation.state === "active" &&
                   (authorisation.scopes || []).indexOf("view") >= 0);
  }

  return { recordsView: recordsView, refusalText: refusalText, canView: canView };
});
