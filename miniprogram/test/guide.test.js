// 智能导服 page logic: answers, checklist lines, the booking link, the answer screen.
const test = require("node:test");
const assert = require("node:assert/strict");
const guide = require("../utils/guide.js");

const yesNo = { key: "has_shop", options: [{ value: true, label: "是" }, { value: false, label: "否" }] };

test("an answer keeps the option's own value and leaves the earlier answers as they were", () => {
  const before = { has_licence: false };
  const after = guide.withAnswer(before, yesNo, "false");
  assert.deepEqual(after, { has_licence: false, has_shop: false });
  assert.deepEqual(before, { has_licence: false });
  assert.equal(guide.withAnswer(before, yesNo, "maybe"), null);
});

test("one-tap booking books every item of the checklist in one visit", () => {
  const url = guide.bookingUrl({ id: 3, booking: { centre_id: 3, item_codes: ["SD0003", "SD0001"] } });
  assert.equal(url, "/pages/book/index?code=SD0003&centre=3&also=SD0001");
  assert.equal(guide.bookingUrl({ booking: { centre_id: 5, item_codes: ["SD0006"] } }),
               "/pages/book/index?code=SD0006&centre=5");
});

test("materials read as a checklist line, non-key ones marked", () => {
  assert.equal(guide.checklistLine({ name: "营业执照", form_name: "复印件", count: 1, key: true }), "营业执照（复印件 1 份）");
  assert.equal(guide.checklistLine({ name: "健康证明", form_name: "复印件", count: 2, key: false }),
               "健康证明（复印件 2 份；材料可以以后补交）");
});

test("a weak answer offers a person and names the centre", () => {
  const view = guide.answerView({ message: "没有找到确切的答案", confident: false, best: null, scenarios: [], items: [],
                                   suggestions: ["不动产登记"], suggestion_title: "您是不是要找",
                                   handoff: { offered: true, centre_id: 1, centre_name: "聊城市政务服务中心" } });
  assert.equal(view.offerPerson, true);
  assert.equal(view.personCentre, "聊城市政务服务中心");
  assert.deepEqual(view.suggestions, ["不动产登记"]);
});

test("a centre's ratings read as lines, counts always and rates as the backend publishes them", () => {
  const { ratingLines } = require("../utils/ratings.js");
  const lines = ratingLines({ total: 5, good_rate_text: "评价少于20条，暂不公布",
                              rectification_text: "评价少于20条，暂不公布", items: [] });
  assert.deepEqual(lines, ["评价数：5 条", "好评率：评价少于20条，暂不公布", "差评整改率：评价少于20条，暂不公布"]);
  const shown = ratingLines({ total: 40, good_rate_text: "95.0%", rectification_text: "50.0%",
                              items: [{ name: "不动产登记", good_rate_text: "95.0%", total: 40 }] });
  assert.equal(shown[3], "不动产登记：95.0%（40 条）");
});

test("长辈模式 from WeChat's font size or the citizen's switch, and the three things on its home page", () => {
  const { elderMode, homeTiles } = require("../utils/elder.js");
  assert.equal(elderMode(17, ""), false);
  assert.equal(elderMode(20, ""), true);
  assert.equal(elderMode(17, "1"), true);
  assert.equal(elderMode(24, "0"), false);   // turned off by the citizen, large font or not
  const tiles = [{ url: "/pages/guide/index" }, { url: "/pages/items/index" }, { url: "/pages/items/index?for=book" },
                 { url: "/pages/appointments/index" }, { url: "/pages/applications/index" },
                 { url: "/pages/messages/index" }, { url: "/pages/me/index" }];
  assert.deepEqual(homeTiles(tiles, true).map((t) => t.url),
                   ["/pages/items/index?for=book", "/pages/appointments/index", "/pages/applications/index",
                    "/pages/messages/index", "/pages/me/index"]);
  assert.equal(homeTiles(tiles, false).length, 7);
});
