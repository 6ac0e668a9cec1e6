// 智能导服 logic shared by the guide pages, free of the WeChat runtime so Node's test runner checks it.
const { plain } = require("./glossary.js");

/** The answers after choosing `value` for `question` (a new object: the page keeps the old one until the API agrees). */
function withAnswer(answers, question, value) {
  const option = question.options.find((o) => String(o.value) === String(value));
  if (!option) return null;
  return Object.assign({}, answers, { [question.key]: option.value });
}

/** The booking page of a checklist's centre: the first item, the others booked in the same visit. */
function bookingUrl(centre) {
  const [first, ...also] = centre.booking.item_codes;
  return `/pages/book/index?code=${encodeURIComponent(first)}&centre=${centre.booking.centre_id}` +
    (also.length ? `&also=${encodeURIComponent(also.join(","))}` : "");
}

/** One line per material: 营业执照（复印件 1 份）, a non-key one in the glossary's plain words. */
function checklistLine(material) {
  return `${material.name}（${material.form_name} ${material.count} 份${material.key ? "" : "；" + plain("deferred")}）`;
}

/** What the answer screen shows: the best answer, where it leads, and whether to offer a person. */
function answerView(body) {
  return {
    message: body.message,
    confident: body.confident,
    best: body.best,
    scenarios: body.scenarios,
    items: body.items,
    suggestions: body.suggestions,
    suggestionTitle: body.suggestion_title || "",
    offerPerson: body.handoff.offered,
    personCentre: body.handoff.centre_name || "工作人员分派",
  };
}

module.exports = { withAnswer, bookingUrl, checklistLine, answerView };
