const test = require("node:test");
const assert = require("node:assert/strict");
const { queueLines } = require("../utils/queue.js");

test("the hall's queue in words: who waits and how long, who is served now, an empty window said plainly", () => {
  const lines = queueLines({ windows: [
    { window_id: 1, window_name: "窗口1", waiting: 3, now_serving: ["A012", "A013"], estimated_wait_minutes: 12 },
    { window_id: 2, window_name: "窗口2", waiting: 0, now_serving: [], estimated_wait_minutes: 0 },
  ] });
  assert.deepEqual(lines.map((l) => l.text), ["窗口1：等候 3 人，大约要等 12 分钟；正在办理：A012、A013",
                                              "窗口2：现在不用排队"]);
  assert.deepEqual(queueLines({}), []);
});
