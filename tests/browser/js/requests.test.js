// node --test: what is sent and read back (content/requests.js).
const test = require("node:test");
const assert = require("node:assert/strict");
require("../../../extension/content/textmap.js");
const R = require("../../../extension/content/requests.js");
const { ClientCache } = require("../../../extension/content/client-cache.js");
const { SkipList } = require("../../../extension/content/retry.js");

const blocks = (...texts) => texts.map((text) => ({ text }));

test("only blocks with an align word, not fresh and not skipped, are asked for, once each", () => {
  const cache = new ClientCache();
  const skipped = new SkipList();
  cache.put("fresh alignment", "k", []);
  cache.put("stale alignment", "old", []);
  skipped.add("slow alignment", "timeout");
  const page = blocks("no such word", "fresh alignment", "stale alignment", "new aligned text",
    "slow alignment", "new aligned text");
  assert.deepEqual(R.pendingTexts(page, { cache, key: "k", skipped }), ["stale alignment", "new aligned text"]);
});

test("context is the page's other text, in order, up to the limit", () => {
  const big = "x".repeat(R.CONTEXT_CHARS - 10);
  assert.deepEqual(R.contextTexts(blocks("about AI", "on alignment", "more")), ["about AI", "more"]);
  assert.deepEqual(R.contextTexts(blocks(big, "0123456789ab", "short")), [big]); // stops at the first misfit
});

test("chunks carry the context and map their ids back to texts", () => {
  const chunks = R.requestChunks(["alignment one", "alignment two"], ["context"]);
  assert.equal(chunks.length, 1);
  assert.deepEqual(chunks[0].blocks.map((b) => b.id), ["b0", "b1", "c0"]);
  assert.deepEqual([...chunks[0].texts], [["b0", "alignment one"], ["b1", "alignment two"]]);
});

test("warnings naming blocks not analysed are read; other warnings name none", () => {
  const warnings = [
    "unknown rule id ignored: no-such-rule",
    'blocks not analysed, their findings are empty; send them again later (time budget): ["b3", "b7"]',
    'only the first 1000 align words of these blocks were analysed: ["b2"]',
    { code: "blocks_not_analysed", blocks: ["b9", 4], reason: "token limit" },
    { code: "something_else", blocks: ["b1"] },
    "blocks not analysed: [not json",
    42,
    null,
  ];
  assert.deepEqual(R.unanalysed(warnings), [
    { ids: ["b3", "b7"], reason: "time budget" },
    { ids: ["b9"], reason: "token limit" },
  ]);
  assert.deepEqual(R.unanalysed(undefined), []);
  assert.deepEqual(R.unanalysed('blocks not analysed: ["b1"]'), []); // not a list of warnings
  assert.deepEqual(R.unanalysed(['unanalysed blocks: ["b1"]']), [{ ids: ["b1"], reason: "" }]);
  // ids with brackets, parentheses and colons; a reason with its own parentheses
  assert.deepEqual(R.unanalysed([
    'blocks not analysed, their findings are empty; send them again later (the limit (25,000) was reached): ["a[1]", "x): [y", "]"]',
  ]), [{ ids: ["a[1]", "x): [y", "]"], reason: "the limit (25,000) was reached" }]);
});
