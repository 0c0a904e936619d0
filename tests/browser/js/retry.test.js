// node --test: backoff and the page view's skip list (content/retry.js).
const test = require("node:test");
const assert = require("node:assert/strict");
const { Backoff, SkipList, retryDelay, POLICIES } = require("../../../extension/content/retry.js");

test("retry delays double from the first and stop at the cap", () => {
  const policy = { firstMs: 500, capMs: 8000 };
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 50].map((n) => retryDelay(n, policy)),
    [500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]);
  assert.equal(retryDelay(1e9, policy), 8000);
  assert.equal(retryDelay(-3, policy), 500);
});

test("a server that answered with errors is asked far less often than one not reachable", () => {
  assert.ok(POLICIES.error.firstMs > POLICIES.offline.firstMs);
  assert.ok(POLICIES.error.capMs > POLICIES.offline.capMs);
  const backoff = new Backoff();
  const waits = Array.from({ length: 8 }, () => backoff.next("error"));
  assert.deepEqual(waits, [2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
});

test("backoff grows across failures and starts over after a success", () => {
  const backoff = new Backoff();
  assert.deepEqual([backoff.next("offline"), backoff.next("offline"), backoff.next("offline")], [500, 1000, 2000]);
  backoff.reset();
  assert.equal(backoff.next("offline"), 500);
  assert.equal(backoff.next("no such kind"), POLICIES.error.firstMs * 2); // unknown kinds wait like errors
});

test("skipped texts are counted by reason among the blocks on the page", () => {
  const skipped = new SkipList();
  skipped.add("slow text", "timeout");
  skipped.add("slow text", "server", "time budget"); // the first reason stays
  skipped.add("another slow one", "timeout");
  skipped.add("left out", "server", "time budget");
  skipped.add("gone from the page", "timeout");
  assert.equal(skipped.has("slow text"), true);
  assert.equal(skipped.has("fine text"), false);
  assert.deepEqual(skipped.summarize(["slow text", "slow text", "another slow one", "left out", "fine text"]), [
    { reason: "timeout", detail: "", count: 2 },
    { reason: "server", detail: "time budget", count: 1 },
  ]);
  skipped.clear();
  assert.equal(skipped.size, 0);
  assert.deepEqual(skipped.summarize(["slow text"]), []);
});
