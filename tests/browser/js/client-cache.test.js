// node --test: the client cache's key and freshness (content/client-cache.js).
const test = require("node:test");
const assert = require("node:assert/strict");
const { ClientCache, requestKey } = require("../../../extension/content/client-cache.js");

const BASE = {
  serverUrl: "http://127.0.0.1:8765",
  url: "https://www.lesswrong.com/posts/x/a-post",
  title: "A post",
  disabledRules: ["progress-claim"],
  context: ["The lab trained a language model.", "Comments"],
};

test("the key changes with every input the server's answer depends on", () => {
  const base = requestKey(BASE);
  const variants = {
    serverUrl: "http://127.0.0.1:9999",
    url: "https://example.org/posts/x/a-post",
    title: "Another post",
    disabledRules: [],
    context: ["A page about sequence alignment in genomes."],
  };
  for (const [field, value] of Object.entries(variants)) {
    assert.notEqual(requestKey({ ...BASE, [field]: value }), base, `${field} must change the key`);
  }
  // two context texts are not the same as their concatenation
  assert.notEqual(requestKey({ ...BASE, context: ["ab", "c"] }), requestKey({ ...BASE, context: ["a", "bc"] }));
});

test("the key is stable and ignores the order of rule ids", () => {
  assert.equal(requestKey(BASE), requestKey({ ...BASE, context: [...BASE.context] }));
  assert.equal(
    requestKey({ ...BASE, disabledRules: ["a", "b"] }),
    requestKey({ ...BASE, disabledRules: ["b", "a"] }),
  );
  assert.equal(typeof requestKey({}), "string");
});

test("an answer is fresh only under the key it was asked with; stale ones still show", () => {
  const cache = new ClientCache();
  const k1 = requestKey(BASE);
  const k2 = requestKey({ ...BASE, disabledRules: [] });
  const findings = [{ start: 0, end: 9, sense: "ambiguous", rule: "r" }];
  assert.equal(cache.lookup("alignment is solved", k1), "missing");
  cache.put("alignment is solved", k1, findings);
  assert.equal(cache.lookup("alignment is solved", k1), "fresh");
  assert.equal(cache.lookup("alignment is solved", k2), "stale");
  assert.deepEqual(cache.findings("alignment is solved"), findings); // shown until the new answer
  cache.put("alignment is solved", k2, []);
  assert.equal(cache.lookup("alignment is solved", k2), "fresh");
  assert.equal(cache.lookup("alignment is solved", k1), "stale");
  assert.deepEqual(cache.findings("alignment is solved"), []);
  assert.equal(cache.findings("never asked"), undefined);
});

test("non-list findings are stored as none", () => {
  const cache = new ClientCache();
  cache.put("x", "k", null);
  assert.deepEqual(cache.findings("x"), []);
});

test("the least recently used texts go first when the cache is full", () => {
  const cache = new ClientCache(3);
  cache.put("a", "k", []);
  cache.put("b", "k", []);
  cache.put("c", "k", []);
  assert.equal(cache.lookup("a", "k"), "fresh"); // a is used again: b is now the oldest
  cache.put("d", "k", []);
  assert.equal(cache.size, 3);
  assert.equal(cache.findings("b"), undefined);
  assert.deepEqual([..."acd"].map((t) => cache.lookup(t, "k")), ["fresh", "fresh", "fresh"]);
});
