/**
 * Plain words for the administrative terms a citizen meets, in one place: the mini-program's pages (in WeChat and
 * in the browser simulator, which runs the same pages) and the server's citizen messages use these words, and
 * tests/test_plain_words.py reads GLOSSARY below (keep it strict JSON) to fail any page or message that shows a
 * term's raw forms.
 *
 * Each entry: `term` (the official word), `plain` (what a citizen reads instead, or beside it), `explain` (one
 * sentence under the term where the term must stay). `never`: forms that never reach a citizen (the plain words
 * replace them); an entry without `never` may stay on a page, with its `explain` beside it where it is new.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.BanshiGlossary = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var GLOSSARY = {
    "deferred": {"term": "容缺受理", "plain": "材料可以以后补交",
                 "explain": "缺的不是关键材料时，窗口先收下您的申请，您承诺在约定时间内补交",
                 "never": ["容缺"]},
    "filed": {"term": "居民点单", "plain": "您提交了诉求", "explain": "您提出的问题或建议已送到服务中心",
              "never": ["居民点单", "点单"]},
    "taken": {"term": "干部接单", "plain": "工作人员已接手", "explain": "有工作人员负责办理您的诉求",
              "never": ["干部接单"]},
    "rated": {"term": "群众评单", "plain": "您评价了办理结果", "explain": "您对答复满意不满意，都会记下来",
              "never": ["群众评单", "评单"]},
    "in_app_only": {"term": "仅站内消息", "plain": "只在小程序“消息”里，没有发到微信",
                    "explain": "您没有同意这类微信通知，或同意的次数已用完，所以只能在小程序里看到",
                    "never": ["站内消息", "站内信"]},
    "promise": {"term": "告知承诺", "plain": "签承诺代替证明",
                "explain": "您书面承诺符合条件，就不用再交相应的证明；之后会核查，承诺不实的审批会被撤销"},
    "correction": {"term": "补正", "plain": "补交或重新提交材料",
                   "explain": "材料有缺漏或看不清，请按要求补交或重新提交，补齐前办理时限暂停计算"},
    "bundle": {"term": "一件事", "plain": "几件相关的事一起办",
               "explain": "几件相关的事一次办：填一张表、交一套材料，不用分别跑"},
    "once_one_rating": {"term": "一次一评", "plain": "每办一次事评价一次",
                        "explain": "每办完一次事，都可以评价一次，满意不满意都请如实说"},
    "rating": {"term": "好差评", "plain": "服务评价",
               "explain": "对办事服务的满意程度评价，差评会有人回访、整改"},
    "assistance": {"term": "帮办代办", "plain": "请工作人员帮您办",
                   "explain": "不会办、跑不动时，请工作人员帮您办或替您跑"},
    "inspection": {"term": "远程踏勘", "plain": "视频看现场",
                   "explain": "工作人员通过视频和照片查看经营场所，不用上门"},
    "certificate": {"term": "电子证照", "plain": "证件的电子版",
                    "explain": "办好的证件在手机上的电子版，可以出示、下载，与纸质证件同样有效"},
    "completed": {"term": "办结", "plain": "已办完", "explain": "这件事已经全部办完"},
    "accepted": {"term": "受理", "plain": "窗口已收下申请", "explain": "窗口已收下您的申请，开始办理、计算时限"},
    "pre_review": {"term": "预审", "plain": "窗口先看材料", "explain": "窗口先看一遍您在网上交的材料，齐了再正式办理"},
    "booking_for_others": {"term": "代预约", "plain": "替别人预约", "explain": "替家人或朋友预约，到时候由本人或您带材料去办"}
  };

  /** The plain words for a term's key ("deferred" → 材料可以以后补交); the key itself when unknown. */
  function plain(key) {
    return GLOSSARY[key] ? GLOSSARY[key].plain : key;
  }

  /** The one-line explanation shown under a term that stays on a page ("告知承诺：您书面承诺…"); a term that
   * never reaches a citizen is explained without it. */
  function explain(key) {
    var entry = GLOSSARY[key];
    if (!entry) return "";
    return entry.never ? entry.plain + "：" + entry.explain : entry.term + "：" + entry.explain;
  }

  /** Every explanation keyed by entry, for a page's data (WXML binds {{terms.promise}}). */
  function explanations() {
    var out = {};
    Object.keys(GLOSSARY).forEach(function (key) { out[key] = explain(key); });
    return out;
  }

  return { GLOSSARY: GLOSSARY, plain: plain, explain: explain, explanations: explanations };
});
