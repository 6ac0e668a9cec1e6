// 长辈模式 on every page: app.js registers each page through withElder, so its data has `elder` as it loads.
const test = require("node:test");
const assert = require("node:assert/strict");
const { withElder } = require("../utils/elder.js");

function loaded(options, elder) {
  const wrapped = withElder(options, () => elder);
  const page = { data: Object.assign({}, wrapped.data), calls: [],
                 setData(values) { Object.assign(this.data, values); this.calls.push(Object.keys(values)); } };
  Object.keys(wrapped).forEach((key) => { if (typeof wrapped[key] === "function") page[key] = wrapped[key]; });
  page.onLoad({ id: "7" });
  return page;
}

test("a page without its own onLoad gets 长辈模式 in its data", () => {
  const page = loaded({ data: { items: [] } }, true);
  assert.equal(page.data.elder, true);
  assert.deepEqual(page.data.items, []);
});

test("a page's own onLoad still runs, after elder is set, with the query", () => {
  let seen = null;
  const page = loaded({ data: {}, onLoad(query) { seen = [query.id, this.data.elder]; } }, false);
  assert.deepEqual(seen, ["7", false]);
  assert.equal(page.data.elder, false);
});
