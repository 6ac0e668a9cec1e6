/**
 * 网上申报 and 我的申报 for the pages: what the form shows (fields, one row per material, 容缺, pickup or 邮寄),
 * what goes back to the API, and the list of one's filings. Plain functions on the API's answers, tested with
 * Node's test runner; the pages only wire them to WeChat.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory(require("./glossary.js"));
  else root.BanshiFiling = factory(root.BanshiGlossary);
})(typeof self !== "undefined" ? self : this, function (glossary) {
  "use strict";

  // 容缺 in plain words, wherever a page offers it.
  var DEFER_WORDS = "可以先办、材料后补";
  var DEFER_EXPLAINED = glossary.GLOSSARY.deferred.explain;
  var PROMISE_EXPLAINED = glossary.explain("promise");
  var STATUS_NAMES = { draft: "草稿，还没有提交", submitted: "已提交" };
  var DELIVERY = [["pickup", "到办理中心领取"], ["mail", "邮寄到家（免费）"]];
  var DELIVERY_UNCHOSEN = "请选择办好后怎么拿到结果";
  var PROMISE_MAX = 200;
  var NOTE_MAX = 200;

  function blank(value) {
    return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
  }

  /** The form's fields as the page draws them: the typed value, the hint in words, the error from the API. */
  function fieldRows(definition, values, fieldErrors) {
    var errors = fieldErrors || {};
    return (definition.fields || []).map(function (f) {
      var value = blank(values[f.key]) ? "" : String(values[f.key]);
      var hint = f.required ? "必填" : "选填";
      if (f.type === "number") {
        hint += f.min !== null && f.max !== null && f.min !== undefined && f.max !== undefined
          ? "，填 " + f.min + " 到 " + f.max + " 之间的整数" : "，填整数";
      }
      if ((f.type === "text" || f.type === "textarea") && f.max_length) hint += "，最多 " + f.max_length + " 字";
      return {
        key: f.key, label: f.label, type: f.type, required: f.required, hint: hint, value: value,
        length: value.length, maxLength: f.max_length || (f.type === "textarea" ? 1000 : 140),
        choices: f.choices || [], choiceIndex: (f.choices || []).indexOf(value),
        error: errors["values." + f.key] || ""
      };
    });
  }

  /** One row per material: uploaded files, whether it may wait (容缺) and whether the citizen chose that. */
  function materialRows(definition, uploaded, deferred, fieldErrors) {
    var errors = fieldErrors || {};
    return (definition.materials || []).map(function (m) {
      var files = uploaded[m.name] || [];
      var waits = !m.key && deferred.indexOf(m.name) >= 0 && !files.length;
      var state = files.length ? "已上传 " + files.length + " 个文件"
        : waits ? "先办，材料后补（已承诺补交）"
          : m.key ? "必需材料，还没有上传" : "还没有上传；这份材料" + DEFER_WORDS;
      var error = "";
      Object.keys(errors).forEach(function (key) {
        if (!error && (key === "materials." + m.name || key.indexOf("materials." + m.name + "[") === 0 ||
                       key === "deferred." + m.name)) error = errors[key];
      });
      return { name: m.name, key: m.key, need: m.key ? "必需，不能后补" : "可以先办、材料后补",
               shared: m.items && m.items.length > 1 ? m.items.join("、") + "共用，只交一份" : "",
               count: files.length, deferrable: !m.key && !files.length, deferred: waits, state: state, error: error };
    });
  }

  /**
   * 告知承诺: the conditions the form lets the applicant meet by signing a promise (the API's `promises`), each
   * with its text in full, whether it is signed on this draft and the material it stands in for.
   */
  function promiseRows(definition, signed, fieldErrors) {
    var errors = fieldErrors || {};
    return (definition.promises || []).map(function (p) {
      var on = (signed || []).indexOf(p.key) >= 0;
      return { key: p.key, condition: p.condition, text: p.text, signed: on,
               instead: p.instead_of ? "签署后不用再交“" + p.instead_of + "”" : "",
               state: on ? "已签署，提交后随办件一起由窗口核查" : "未签署（不签也可以，按常规提交证明材料）",
               error: errors["promises." + p.key] || "" };
    });
  }

  /** The materials a signed promise stands in for (not asked for any more). */
  function replacedBy(definition, signed) {
    return (definition.promises || []).filter(function (p) {
      return p.instead_of && (signed || []).indexOf(p.key) >= 0;
    }).map(function (p) { return p.instead_of; });
  }

  /** Material rows with those a signed promise stands in for marked so (nothing to upload or defer). */
  function withPromises(rows, replaced) {
    return rows.map(function (row) {
      if ((replaced || []).indexOf(row.name) < 0 || row.count) return row;
      return Object.assign({}, row, { need: "已用告知承诺代替", state: "已签署告知承诺，不用再交", deferrable: false,
                                      deferred: false, replaced: true });
    });
  }

  /** Whether any material is promised for later (then the promise is asked for). */
  function anyDeferred(rows) {
    return rows.some(function (row) { return row.deferred; });
  }

  /**
   * The PUT /filings/{id} body from the page's state: values typed (empty ones left out), files per material,
   * the 容缺 choices of materials still without a file, the promise only when something waits, and the mail
   * address only for 邮寄. `delivery` "" (not chosen yet) is sent as the API's default and asked for at submit.
   */
  function filingBody(state) {
    var values = {};
    Object.keys(state.values || {}).forEach(function (key) {
      var value = state.values[key];
      if (!blank(value)) values[key] = typeof value === "string" ? value.trim() : value;
    });
    var materials = {};
    Object.keys(state.uploaded || {}).forEach(function (name) {
      if ((state.uploaded[name] || []).length) materials[name] = state.uploaded[name].slice();
    });
    var deferred = (state.deferred || []).filter(function (name) { return !materials[name]; });
    var mail = state.mail || {};
    var body = { values: values, materials: materials, deferred: deferred,
                 promise_text: deferred.length && !blank(state.promise) ? state.promise.trim() : null,
                 delivery: state.delivery === "mail" ? "mail" : "pickup", mail: null };
    // 告知承诺 signed (keys); sent only when there is one, so that unticking every one withdraws them.
    if ((state.signed || []).length) body.promises = state.signed.slice();
    if (state.delivery === "mail") {
      body.mail = { name: (mail.name || "").trim(), phone: (mail.phone || "").trim(), address: (mail.address || "").trim() };
    }
    return body;
  }

  /** The delivery choice as the page opens a draft: 邮寄 was chosen if saved; pickup only if chosen on this phone
   * (the API stores pickup by default, which is no one's choice). */
  function deliveryChosen(filing, remembered) {
    if (filing.delivery === "mail") return "mail";
    return remembered === "pickup" ? "pickup" : "";
  }

  /** "2026-11-24T09:15:00+08:00" → "11月24日 09:15" (Beijing time, as the API gives it). */
  function savedAt(iso) {
    var match = /^\d{4}-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
    return match ? (+match[1]) + "月" + (+match[2]) + "日 " + match[3] + ":" + match[4] : "";
  }

  /** 我的申报: drafts first (newest first), then submitted ones, each with its state in words. */
  function filingList(filings) {
    var rows = (filings || []).map(function (f) {
      var draft = f.status === "draft";
      return {
        id: f.id, title: f.item_name, centre: f.centre_name, draft: draft, reference: f.reference || "",
        bundle: Boolean(f.bundle_code), at: f.updated_at || "",
        status: STATUS_NAMES[f.status] || "已提交",
        line: draft ? "上次保存：" + savedAt(f.updated_at) + "，点此继续填写"
          : "受理编号 " + (f.reference || "") + "，点此查看办理进度"
      };
    });
    var newest = function (a, b) { return a.at < b.at ? 1 : a.at > b.at ? -1 : 0; };
    return rows.filter(function (r) { return r.draft; }).sort(newest)
      .concat(rows.filter(function (r) { return !r.draft; }).sort(newest));
  }

  /** The draft of this item (or bundle) to continue, newest first; null when there is none. */
  function draftFor(filings, code, businessId) {
    var drafts = (filings || []).filter(function (f) {
      return f.status === "draft" && (f.item_code === code || f.bundle_code === code) &&
        (!businessId || f.business_id === businessId);
    });
    drafts.sort(function (a, b) { return a.updated_at < b.updated_at ? 1 : -1; });
    return drafts[0] || null;
  }

  /** The 补正 a case waits for: the materials staff asked for again, each with its reason; answered ones say so. */
  function corrections(application) {
    if (!application || application.status !== "needs_correction") return [];
    return (application.materials || []).filter(function (m) { return m.kind === "correction" && !m.received; })
      .map(function (m) {
        return { id: m.id, name: m.name, reason: m.note || "", due: m.due_on,
                 answered: Boolean(m.reported_by_citizen_at), length: 0 };
      });
  }

  return { DEFER_WORDS: DEFER_WORDS, DEFER_EXPLAINED: DEFER_EXPLAINED, PROMISE_EXPLAINED: PROMISE_EXPLAINED, STATUS_NAMES: STATUS_NAMES, DELIVERY: DELIVERY,
           DELIVERY_UNCHOSEN: DELIVERY_UNCHOSEN, PROMISE_MAX: PROMISE_MAX, NOTE_MAX: NOTE_MAX,
           fieldRows: fieldRows, materialRows: materialRows, anyDeferred: anyDeferred, filingBody: filingBody,
           deliveryChosen: deliveryChosen, savedAt: savedAt, filingList: filingList, draftFor: draftFor,
           corrections: corrections, promiseRows: promiseRows, replacedBy: replacedBy, withPromises: withPromises };
});
