// The booking page's slots grouped by start time (both modes, and the browser simulator, use format.js).
const test = require("node:test");
const assert = require("node:assert/strict");
const format = require("../utils/format.js");

const DAY = "2026-11-24T";
function slot(id, time, windowName, kind, remaining) {
  return { id, window_id: id * 10, window_name: windowName, window_kind: kind, starts_at: `${DAY}${time}:00+08:00`,
           ends_at: `${DAY}${time}:00+08:00`, capacity: 3, remaining };
}

const SLOTS = [
  slot(4, "09:00", "窗口2", "express", 1),
  slot(1, "09:00", "窗口1", "general", 2),
  slot(2, "09:15", "窗口1", "general", 0),
  slot(5, "09:15", "窗口2", "express", 0),
  slot(3, "14:00", "窗口1", "general", 3),
];

test("the same start time at two windows is one choice, its seats summed, the fuller window left alone", () => {
  const groups = format.slotsByTime(SLOTS);
  assert.deepEqual(groups.map((g) => [g.time, g.seats, g.full, g.id]),
                   [["09:00", "余3个号", false, 1], ["09:15", "已约满", true, null], ["14:00", "余3个号", false, 3]]);
  assert.deepEqual(groups[0].windows.map((w) => [w.id, w.name, w.seats]), [
    [1, "窗口1（综合窗口，各类事项都能办）", "余2个号"], [4, "窗口2（快办窗口，简单的事当场办好）", "余1个号"]]);
  assert.equal(groups[1].windowText, "窗口1（综合窗口，各类事项都能办） 已约满；窗口2（快办窗口，简单的事当场办好） 已约满");
});

test("windows of an unknown kind keep their name; seats are said in words", () => {
  assert.equal(format.windowWords({ window_name: "3号窗口" }), "3号窗口");
  assert.equal(format.seatsText(0), "已约满");
  assert.equal(format.seatsText(-1), "已约满");
  assert.equal(format.seatsText(5), "余5个号");
});

test("normal mode: times under 上午 and 下午, full ones kept and marked", () => {
  const periods = format.slotsByPeriod(SLOTS);
  assert.deepEqual(periods.morning.map((g) => [g.time, g.full]), [["09:00", false], ["09:15", true]]);
  assert.deepEqual(periods.afternoon.map((g) => g.time), ["14:00"]);
});

test("长辈模式 uses the same grouping: one choice per time with a seat, by hour", () => {
  const hours = format.slotsByHour(SLOTS);
  assert.deepEqual(hours, [{ label: "上午9点", slots: [{ id: 1, time: "09:00", seats: "余3个号" }] },
                           { label: "下午2点", slots: [{ id: 3, time: "14:00", seats: "余3个号" }] }]);
});

test("no slots: no groups", () => {
  assert.deepEqual(format.slotsByTime([]), []);
  assert.deepEqual(format.slotsByPeriod(undefined), { morning: [], afternoon: [] });
});
