// node --test: which style writes can show or hide text (content/watch.js).
const test = require("node:test");
const assert = require("node:assert/strict");
const { visibilityMayChange } = require("../../../extension/content/watch.js");

const record = (oldValue, now) => ({ oldValue, target: { getAttribute: () => now } });

test("display and visibility changes count", () => {
  assert.equal(visibilityMayChange(record("", "display: none")), true);
  assert.equal(visibilityMayChange(record("display: none", "")), true);
  assert.equal(visibilityMayChange(record("top: 1px; visibility: hidden", "top: 1px")), true);
  assert.equal(visibilityMayChange(record(null, "content-visibility: auto")), true);
});

test("moves, transforms and animations do not", () => {
  assert.equal(visibilityMayChange(record("transform: translateY(-64px)", "transform: translateY(0px)")), false);
  assert.equal(visibilityMayChange(record("top: 1px; display: block", "top: 9px; display: block")), false);
  assert.equal(visibilityMayChange(record("display: none", "display:none")), false);
  assert.equal(visibilityMayChange(record(null, null)), false);
});
