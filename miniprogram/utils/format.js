/** Display helpers for the pages: plain functions, tested with Node's test runner. */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.BanshiFormat = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var LEVELS = [
    { level: 5, name: "非常满意" }, { level: 4, name: "满意" }, { level: 3, name: "基本满意" },
    { level: 2, name: "不满意" }, { level: 1, name: "非常不满意" }
  ];
  var WEEKDAYS = "日一二三四五六";
  // The API's values with the words a citizen reads (the backend checks these lists; a test compares them).
  var FEEDBACK_KINDS = [["complaint", "投诉"], ["suggestion", "建议"], ["consultation", "咨询"], ["praise", "表扬"],
                        ["report", "举报"]];
  var RELATIONS = ["父母", "子女", "配偶", "亲属", "员工", "朋友", "其他"];
  // 亲友代办 scopes, in the order the API lists them, with the words a citizen reads.
  var SCOPES = [["book", "代为预约"], ["view", "查看办件与证照"], ["remind", "接收提醒"]];
  var FAMILY_RELATIONS = ["配偶", "父母", "子女", "祖父母", "孙子女", "兄弟姐妹", "其他亲属"];
  var GUIDE_LABELS = { short: "一句话说明", what_you_get: "办好后得到", who_can_apply: "谁可以办", steps: "怎么办",
                       fee: "收费" };
  var FORMS = { original: "原件", copy: "复印件" };

  /** The item's plain-language guide as labelled lines, known parts first; lists read as 1. 2. 3. */
  function guideLines(guide) {
    var keys = Object.keys(guide || {});
    var known = Object.keys(GUIDE_LABELS).filter(function (k) { return keys.indexOf(k) >= 0; });
    var rest = keys.filter(function (k) { return !GUIDE_LABELS[k]; });
    return known.concat(rest).map(function (key) {
      var value = guide[key];
      var text = Array.isArray(value)
        ? value.map(function (step, i) { return (i + 1) + ". " + step; }).join(" ")
        : (value && typeof value === "object" ? JSON.stringify(value) : String(value));
      return { label: GUIDE_LABELS[key] || key, text: text };
    });
  }

  /** "营业执照（复印件 1 份）". */
  function materialLine(material) {
    return material.name + "（" + (FORMS[material.form] || material.form) + " " + material.count + " 份）";
  }

  /** A centre's week in one line a day, Monday first (the API's weekday: 0 = Monday): its periods, or 不办公. */
  function hoursLines(hours) {
    var lines = [];
    for (var weekday = 0; weekday < 7; weekday += 1) {
      var periods = (hours || []).filter(function (h) { return h.weekday === weekday; })
        .map(function (h) { return h.opens + "–" + h.closes; });
      lines.push("周" + WEEKDAYS[(weekday + 1) % 7] + "：" + (periods.length ? periods.join("、") : "不办公"));
    }
    return lines;
  }

  /** A day as people say it: 2026-12-07 → 12月7日（周一）. */
  function dayWords(isoDate) {
    var match = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate || "");
    if (!match) return "";
    var day = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
    return (+match[2]) + "月" + (+match[3]) + "日（周" + WEEKDAYS[day.getUTCDay()] + "）";
  }

  /** "2026-11-24T09:15:00+08:00" → "11月24日（周二）09:15"; the API already gives Beijing time. */
  function slotTime(iso) {
    var match = /T(\d{2}):(\d{2})/.exec(iso || "");
    var day = dayWords(iso);
    return day && match ? day + match[1] + ":" + match[2] : "";
  }

  // What each kind of window is for, in plain words (the API gives the window's name and kind).
  var WINDOW_KINDS = { general: "综合窗口，各类事项都能办", express: "快办窗口，简单的事当场办好",
                       proxy: "帮办窗口，有工作人员帮您办", complaints: "意见窗口，提意见、反映问题" };

  /** Seats left in words: "余3个号", or "已约满" (never colour alone). */
  function seatsText(remaining) {
    return remaining > 0 ? "余" + remaining + "个号" : "已约满";
  }

  /** A window as a citizen reads it: "窗口3（综合窗口，各类事项都能办）". */
  function windowWords(slot) {
    var kind = WINDOW_KINDS[slot.window_kind];
    return (slot.window_name || "") + (kind ? "（" + kind + "）" : "");
  }

  /** A day's slots grouped by start time, earliest first: the same time at several windows is one choice, its
   * seats the sum of theirs; booking it takes the window with the most seats left. Full times stay listed, marked
   * full and without a slot to book. Shared by both modes and by the browser simulator. */
  function slotsByTime(slots) {
    var groups = [];
    var byTime = {};
    (slots || []).slice()
      .sort(function (a, b) { return a.starts_at < b.starts_at ? -1 : a.starts_at > b.starts_at ? 1 : a.id - b.id; })
      .forEach(function (slot) {
        var time = (slot.starts_at || "").slice(11, 16);
        var group = byTime[time];
        if (!group) {
          group = byTime[time] = { time: time, hour: +time.slice(0, 2), remaining: 0, windows: [], id: null, best: 0 };
          groups.push(group);
        }
        var left = Math.max(slot.remaining || 0, 0);
        group.remaining += left;
        group.windows.push({ id: slot.id, name: windowWords(slot), seats: seatsText(left), full: left <= 0 });
        if (left > group.best) { group.best = left; group.id = slot.id; }
      });
    return groups.map(function (group) {
      return { id: group.id, time: group.time, hour: group.hour, full: group.remaining <= 0, remaining: group.remaining,
               seats: seatsText(group.remaining), windows: group.windows,
               windowText: group.windows.map(function (w) { return w.name + " " + w.seats; }).join("；") };
    });
  }

  /** Normal mode: the times of the day under 上午 and 下午, full ones visible but marked and not choosable. */
  function slotsByPeriod(slots) {
    var periods = { morning: [], afternoon: [] };
    slotsByTime(slots).forEach(function (group) {
      (group.hour < 12 ? periods.morning : periods.afternoon).push(group);
    });
    return periods;
  }

  /** 长辈模式's slot picker: only times with seats left, earliest first, grouped by hour (上午9点, 下午2点); the
   * same time at two windows is one choice. */
  function slotsByHour(slots) {
    var groups = [];
    slotsByTime(slots).filter(function (group) { return !group.full; }).forEach(function (group) {
      var label = (group.hour < 12 ? "上午" : "下午") + (group.hour > 12 ? group.hour - 12 : group.hour) + "点";
      var last = groups[groups.length - 1];
      if (!last || last.label !== label) groups.push(last = { label: label, slots: [] });
      last.slots.push({ id: group.id, time: group.time, seats: group.seats });
    });
    return groups;
  }

  /** A day whose every slot is taken: the page offers 候补 instead of a slot list. */
  function dayFull(slots) {
    return (slots || []).length > 0 && slots.every(function (slot) { return slot.remaining <= 0; });
  }

  /** 候补 time choices → the API's local times of day (empty: whenever the centre is open). */
  var WAITLIST_PERIODS = [["all", "全天都可以"], ["morning", "只要上午"], ["afternoon", "只要下午"]];
  function waitlistTimes(period) {
    if (period === "morning") return { time_to: "12:00" };
    if (period === "afternoon") return { time_from: "12:00" };
    return {};
  }

  /** One waitlist entry as the page shows it: status in words, place in line, the held seat to confirm. */
  function waitlistView(entry) {
    var days = entry.date_from === entry.date_to ? entry.date_from : entry.date_from + " 至 " + entry.date_to;
    var times = entry.time_from || entry.time_to ? "，" + (entry.time_from || "开门") + "–" + (entry.time_to || "下班") : "";
    var offer = entry.offer;
    return {
      id: entry.id, title: entry.item.name, where: entry.centre_name, when: days + times, status: entry.status_name,
      ahead: entry.status === "waiting" && entry.people_ahead !== null ? "前面还有 " + entry.people_ahead + " 人" : "",
      offerId: offer ? offer.id : null,
      offerText: offer ? "已为您保留 " + slotTime(offer.starts_at) + "（" + offer.window_name + "）的号，请在 " +
        (offer.expires_at || "").slice(11, 16) + " 前确认" : "",
      cancellable: entry.status === "waiting" || entry.status === "offered",
      appointmentId: entry.appointment_id
    };
  }

  /** A licence's state in words (never colour alone): 有效, 还有 N 天到期, 已过期, 已注销. */
  function licenceState(licence) {
    if (licence.status === "revoked") return "已注销";
    if (licence.status === "expired" || licence.days_left < 0) return "已过期";
    if (licence.status === "expiring") return "还有 " + licence.days_left + " 天到期，请及时办理延续";
    return "有效";
  }

  /** The check-in code in what wx.scanCode read from a call screen's QR ("BANSHI-HALL:<code>"). */
  function hallCode(scanned) {
    return String(scanned || "").replace(/^BANSHI-HALL:/, "");
  }

  /** WeChat's font size setting (px; 17 is the standard size): larger than standard turns 长辈模式 on. */
  function elderFromFontSize(fontSizeSetting) {
    return Number(fontSizeSetting) > 17;
  }

  /** A queue ticket in plain words: where it stands (前面还有 N 人 while waiting) and what to do now. */
  function ticketWords(ticket) {
    if (!ticket) return [];
    var where = ticket.window_name;
    if (ticket.status === "waiting") {
      var ahead = ticket.waiting_ahead;
      return [ahead === 0 ? "下一个就是您，请在" + where + "附近等候" : (ahead ? "前面还有 " + ahead + " 人" : "正在排队"),
              "叫到您的号时，请到" + where + "。请留意大厅的叫号屏和广播。"];
    }
    if (ticket.status === "called") return ["已叫到您的号，请马上到" + where];
    if (ticket.status === "serving") return ["正在" + where + "为您办理"];
    if (ticket.status === "served") return ["已办结，谢谢您的耐心"];
    if (ticket.status === "missed") return ["已过号。请到大厅服务台说明情况，工作人员会帮您处理"];
    return [ticket.status_name];
  }

  /** Which actions an appointment offers, from its status (the server decides; this only hides buttons). */
  function appointmentActions(appointment) {
    var status = appointment && appointment.status;
    return {
      cancel: status === "booked",
      reschedule: status === "booked",
      checkIn: status === "booked",
      rate: status === "served"
    };
  }

  /** Field messages of a BanshiError keyed by form field ("for_person.id_number" stays dotted). */
  // A rating or a revisit answer is never chosen for the citizen; submitting none is answered with these.
  var RATING_UNCHOSEN = "请选择您的满意程度";
  var REVISIT_UNCHOSEN = "请选择您对整改结果是否满意";

  /** An error shaped like the API's, for a choice the citizen has not made yet (nothing is sent). */
  function unchosen(field, message) {
    var fields = {};
    fields[field] = message;
    // The choice's own words go under it; the foot of the page says only where to look (not the same words twice).
    return { message: "还有一项没有选，请看上面标出的提示，选好再提交", fields: fields };
  }

  function fieldMessages(error) {
    var out = {};
    var fields = (error && error.fields) || {};
    Object.keys(fields).forEach(function (key) { out[key.replace(/^body\./, "")] = fields[key]; });
    return out;
  }

  /** The ticked scopes in the API's order, each once; an empty choice stays empty (the API says why). */
  function scopesFrom(ticked) {
    return SCOPES.map(function (s) { return s[0]; }).filter(function (s) { return ticked.indexOf(s) >= 0; });
  }

  /** A 政策快享 match as its card reads: whose, what, its state, and the 免申即享 steps in words. */
  function policyMatchView(match) {
    return {
      id: match.id, title: match.policy.title, benefit: match.policy.benefit, mode: match.policy.mode_name,
      whose: match.subject_text, status: match.grant_status_name || match.status_name,
      steps: match.steps.map(function (step) { return step.name + (step.done ? "（已完成）" : ""); }).join(" → "),
      canConfirm: match.can_confirm, canApply: match.can_apply, open: match.status === "matched",
      // A business's grant is paid only to its account on record: no account is asked for here.
      business: match.subject === "business",
      endReason: match.end_reason || ""
    };
  }

  /** What the page says after the server confirmed a face check. */
  function faceOutcome(profile) {
    return profile.verified ? "核验成功：实名核验已通过，现在可以预约办事了" : "实名核验未通过，请重试";
  }

  /** 帮办代办: what the detail page offers, from the request as the API answers it. A grant waiting for the citizen
   * is confirmed or refused; one in force can be ended at any time; rating only once it is closed and unrated. */
  function assistanceActions(request) {
    var grants = (request && request.grants) || [];
    var pending = grants.filter(function (g) { return g.state === "pending"; })[0] || null;
    var active = grants.filter(function (g) { return g.state === "active"; })[0] || null;
    return { pending: pending, active: active, withdraw: !!(request && request.can_withdraw),
             rate: !!(request && request.can_rate) };
  }

  return { assistanceActions: assistanceActions, ticketWords: ticketWords, dayWords: dayWords, hoursLines: hoursLines, LEVELS: LEVELS, RATING_UNCHOSEN: RATING_UNCHOSEN, REVISIT_UNCHOSEN: REVISIT_UNCHOSEN, unchosen: unchosen,
           FEEDBACK_KINDS: FEEDBACK_KINDS, RELATIONS: RELATIONS, FAMILY_RELATIONS: FAMILY_RELATIONS, SCOPES: SCOPES, scopesFrom: scopesFrom,
           faceOutcome: faceOutcome, guideLines: guideLines, materialLine: materialLine, slotTime: slotTime, slotsByPeriod: slotsByPeriod, slotsByHour: slotsByHour,
           slotsByTime: slotsByTime, seatsText: seatsText, windowWords: windowWords, WINDOW_KINDS: WINDOW_KINDS,
           elderFromFontSize: elderFromFontSize, hallCode: hallCode, appointmentActions: appointmentActions,
           fieldMessages: fieldMessages, dayFull: dayFull, WAITLIST_PERIODS: WAITLIST_PERIODS,
           waitlistTimes: waitlistTimes, waitlistView: waitlistView, licenceState: licenceState,
           policyMatchView: policyMatchView };
});
