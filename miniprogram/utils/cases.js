/**
 * 我的办件, 材料后补 and 远程踏勘 for the pages: what a case list, a case's owed materials and its remote
 * inspection show, and what goes back to the API. Plain functions on the API's answers, tested with Node's test
 * runner; the pages only wire them to WeChat.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.BanshiCases = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var REPORT_NOTE_MAX = 200;   // MaterialReportIn.note
  var MAX_FILES_PER_SEND = 9;   // EvidenceIn.file_ids
  var VIDEO_SECONDS = 60;       // files/checks.py MAX_VIDEO_SECONDS

  /** "2026-11-25T10:00:00+08:00", "…10:30…" → "11月25日 10:00–10:30" (the API gives Beijing time). */
  function period(startsAt, endsAt) {
    var start = /^\d{4}-(\d{2})-(\d{2})T(\d{2}:\d{2})/.exec(startsAt || "");
    if (!start) return "";
    var end = /T(\d{2}:\d{2})/.exec(endsAt || "");
    return (+start[1]) + "月" + (+start[2]) + "日 " + start[3] + (end ? "–" + end[1] : "");
  }

  // The API names one state 容缺受理; the citizen reads it in plain words (accepted, a material to follow).
  var PLAIN_STATUS = { accepted_pending_materials: "已受理，材料后补" };

  /** A case's state as the citizen reads it. */
  function statusText(status, statusName) {
    return PLAIN_STATUS[status] || statusName || "";
  }

  /** The case's timeline with each state in plain words. */
  function timelineRows(application) {
    return ((application && application.timeline) || []).map(function (e) {
      return { at: e.at, title: e.title, state: e.status ? statusText(e.status, e.status_name) : "", note: e.note || "" };
    });
  }

  /** 我的办件: one row per case, newest first as the API gives them, its state and time limit in words. */
  function caseRows(applications) {
    return (applications || []).map(function (a) {
      var due = a.due_on ? (a.overdue ? "已超过承诺办结日期 " + a.due_on : "承诺办结 " + a.due_on) : "";
      return { reference: a.reference, title: a.item_name, where: a.centre_name,
               state: statusText(a.status, a.status_name) + (a.paused ? "（补正中，办理时限暂停计算）" : ""), due: due,
               bundle: a.bundle_reference ? "属于一件事 " + a.bundle_reference : "" };
    });
  }

  /** 一件事 cases as the list shows them: title, items, progress in words. */
  function bundleRows(bundleCases) {
    return (bundleCases || []).map(function (b) {
      return { reference: b.reference, title: b.title, state: b.phase_name, items: (b.items || []).join("、") };
    });
  }

  /** 材料后补: the materials a case was accepted without (先办后补) and still owes, with what the citizen said. */
  function owedMaterials(application) {
    return ((application && application.materials) || [])
      .filter(function (m) { return m.kind === "deferred" && !m.received; })
      .map(function (m) {
        return { id: m.id, name: m.name, due: m.due_on, overdue: Boolean(m.overdue),
                 reported: Boolean(m.reported_by_citizen_at), length: 0 };
      });
  }

  /** POST /applications/{reference}/materials: the material and how it was sent (the note may be left empty). */
  function reportBody(materialId, note) {
    var text = String(note || "").trim();
    return text ? { material_id: materialId, note: text } : { material_id: materialId };
  }

  /** The case page offers 远程踏勘 once staff have scheduled one (an event of that kind in its timeline). */
  function hasInspection(application) {
    return ((application && application.timeline) || []).some(function (e) { return e.kind === "inspection"; });
  }

  /** 远程踏勘 as the page shows it: when, the link, its state, and per checklist line what to send. */
  function inspectionView(inspection) {
    var open = inspection.status === "scheduled";
    var state = open ? "待踏勘：请在踏勘前或踏勘时按下面的清单拍照或拍短视频上传"
      : inspection.conclusion === "pass" ? "踏勘通过" : "需要补正：请按下面的说明整改后补交";
    return {
      when: period(inspection.starts_at, inspection.ends_at), link: inspection.video_link || "", open: open,
      state: state, signedBy: inspection.signed_by || "",
      sealed: inspection.seal ? (inspection.seal.verified ? "结论已由办理机构电子签章，核验有效" : "结论的电子签章核验未通过，请联系办理中心") : "",
      lines: (inspection.lines || []).map(function (line) {
        var count = line.file_ids.length;
        var finding = line.ok === true ? "符合" : line.ok === false ? "不符合" + (line.note ? "：" + line.note : "") : "";
        return { key: line.key, text: line.text, needs: line.evidence === "photo",
                 sent: line.evidence !== "photo" ? "视频踏勘时现场查看，不用上传"
                   : count ? "已上传 " + count + " 个照片或视频" : "还没有上传",
                 canSend: open && line.evidence === "photo", finding: finding };
      })
    };
  }

  /** What wx.chooseMedia offers for a checklist line: photos or one short video, from the camera or album. */
  function mediaOptions() {
    return { count: MAX_FILES_PER_SEND, mediaType: ["image", "video"], sourceType: ["camera", "album"],
             sizeType: ["compressed"], maxDuration: VIDEO_SECONDS, camera: "back" };
  }

  /** 改约: only slots with a seat that serve every item of the appointment (a slot listed for each of them),
   * not the one it already has, earliest first. */
  function rescheduleSlots(slotLists, currentStartsAt) {
    var lists = slotLists || [];
    if (!lists.length) return [];
    var inAll = function (slot) {
      return lists.every(function (list) { return list.some(function (s) { return s.id === slot.id; }); });
    };
    return lists[0].filter(function (slot) { return slot.remaining > 0 && slot.starts_at !== currentStartsAt && inAll(slot); })
      .sort(function (a, b) { return a.starts_at < b.starts_at ? -1 : a.starts_at > b.starts_at ? 1 : 0; })
      .map(function (slot) {
        var hour = +slot.starts_at.slice(11, 13);
        return { id: slot.id, label: (hour < 12 ? "上午 " : "下午 ") + slot.starts_at.slice(11, 16) + "–" +
                   slot.ends_at.slice(11, 16) + " " + slot.window_name + "（余" + slot.remaining + "个号）" };
      });
  }

  /** 一件事 offered: what it is, and each item with the department that handles it. */
  function bundleOffers(bundles) {
    return (bundles || []).map(function (b) {
      return { code: b.code, name: b.name, summary: b.summary,
               items: b.items.map(function (i) { return i.name + "（" + i.department + "）"; }).join("、"),
               forBusiness: b.applicant === "business" };
    });
  }

  /** The centres that handle every item of a bundle (one list of centres per item), in the first list's order. */
  function commonCentres(centreLists) {
    var lists = centreLists || [];
    if (!lists.length) return [];
    return lists[0].filter(function (centre) {
      return lists.every(function (list) { return list.some(function (c) { return c.id === centre.id; }); });
    });
  }

  /** A bundle visit's starts: when it begins and ends (every item in one sitting) and at which window. */
  function bundleStarts(slots) {
    return (slots || []).map(function (s) {
      var hour = +s.starts_at.slice(11, 13);
      return { id: s.slot_id, label: (hour < 12 ? "上午 " : "下午 ") + s.starts_at.slice(11, 16) + "–" +
                 s.ends_at.slice(11, 16) + " " + s.window_name };
    });
  }

  return { bundleOffers: bundleOffers, commonCentres: commonCentres, bundleStarts: bundleStarts,
           REPORT_NOTE_MAX: REPORT_NOTE_MAX, period: period, caseRows: caseRows, bundleRows: bundleRows,
           owedMaterials: owedMaterials, statusText: statusText, timelineRows: timelineRows, reportBody: reportBody, hasInspection: hasInspection,
           inspectionView: inspectionView, mediaOptions: mediaOptions, rescheduleSlots: rescheduleSlots };
});
