// node --test: settings defaults and validation (extension/settings.js).
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

// The built-in sites come from the manifest through chrome.runtime.getManifest(): give it the
// real manifest.json, as the browser would.
const MANIFEST = require(path.join(__dirname, "../../../manifest.json"));
globalThis.chrome = { runtime: { getManifest: () => MANIFEST } };
const S = require("../../../extension/settings.js");

test("missing or corrupt settings become the defaults", () => {
  for (const raw of [undefined, null, 42, "x", [], { version: "nope", serverUrl: 7, disabledRules: "all" }]) {
    const s = S.normalize(raw);
    assert.equal(s.version, S.VERSION);
    assert.equal(s.serverUrl, "http://127.0.0.1:8765");
    assert.deepEqual(s.disabledRules, []);
    assert.equal("enabledRules" in s, false); // every rule ships on: there is nothing to opt into
    assert.equal(s.showClear, false);
    assert.deepEqual(s.extraSites, []);
    assert.deepEqual(s.disabledHosts, []);
  }
});

test("server URL must be a loopback http address", () => {
  assert.equal(S.normalizeServerUrl("http://localhost:9000/"), "http://localhost:9000");
  assert.equal(S.normalizeServerUrl(" http://127.0.0.1:8765/api "), "http://127.0.0.1:8765");
  assert.equal(S.normalizeServerUrl("https://127.0.0.1:8765"), null);
  assert.equal(S.normalizeServerUrl("http://evil.example:8765"), null);
  assert.equal(S.normalizeServerUrl("not a url"), null);
  assert.equal(S.normalize({ serverUrl: "http://example.org" }).serverUrl, "http://127.0.0.1:8765");
});

test("lists are cleaned: bad items dropped, duplicates removed, hosts normalised", () => {
  const s = S.normalize({
    disabledRules: ["progress-claim", "progress-claim", 5, "bad id!", "status-claim"],
    extraSites: ["https://Example.org/some/path", "example.org", "www.lesswrong.com", "", "::"],
    disabledHosts: ["EA.greaterwrong.com"],
    showClear: "yes",
  });
  assert.deepEqual(s.disabledRules, ["progress-claim", "status-claim"]);
  assert.deepEqual(s.extraSites, ["example.org"]); // built-in sites are not "extra"
  assert.deepEqual(s.disabledHosts, ["ea.greaterwrong.com"]);
  assert.equal(s.showClear, false); // only a real boolean true turns it on
});

test("built-in sites are the manifest's content-script hosts", () => {
  assert.deepEqual(S.builtInSites(), [
    "www.lesswrong.com", "lesswrong.com", "www.alignmentforum.org", "alignmentforum.org",
    "forum.effectivealtruism.org", "www.greaterwrong.com", "greaterwrong.com", "ea.greaterwrong.com",
  ]);
  assert.equal(S.isSiteCovered(S.normalize(null), "www.lesswrong.com"), true);
  assert.equal(S.isSiteCovered(S.normalize(null), "example.org"), false);
  assert.equal(S.isSiteCovered(S.normalize({ extraSites: ["example.org"] }), "example.org"), true);
});

test("hostsFromManifest: one host per distinct match, wildcard hosts left out", () => {
  const manifest = { content_scripts: [
    { matches: ["https://a.example/*", "http://a.example/*", "https://b.example/posts/*"] },
    { matches: ["*://*/*", "https://*.c.example/*"] },
  ] };
  assert.deepEqual(S.hostsFromManifest(manifest), ["a.example", "b.example"]);
  assert.deepEqual(S.hostsFromManifest(null), []);
  assert.deepEqual(S.hostsFromManifest({}), []);
});

test("checkDrafts: on by default, off only for a real boolean false", () => {
  assert.equal(S.normalize(null).checkDrafts, true);
  assert.equal(S.normalize({}).checkDrafts, true);
  assert.equal(S.normalize({ checkDrafts: false }).checkDrafts, false);
  assert.equal(S.normalize({ checkDrafts: "no" }).checkDrafts, true); // a corrupt value is repaired to the default
  assert.equal(S.normalize({ checkDrafts: 0 }).checkDrafts, true);
  assert.equal(S.normalize({ checkDrafts: true }).checkDrafts, true);
});

test("normalize is idempotent", () => {
  const once = S.normalize({ disabledRules: ["a"], extraSites: ["x.org"], showClear: true });
  assert.deepEqual(S.normalize(once), once);
});

test("disabled_rules sent to the server are the rules the user turned off", () => {
  const rules = [{ id: "off-rule" }, { id: "on-rule" }];
  const s = S.normalize({ disabledRules: ["off-rule"], enabledRules: ["on-rule"] }); // an old key is dropped
  assert.deepEqual(S.disabledRuleIds(s, rules), ["off-rule"]);
  assert.equal(S.ruleEnabled(s, rules[0]), false);
  assert.equal(S.ruleEnabled(s, rules[1]), true);
  assert.deepEqual(S.disabledRuleIds(s, null), ["off-rule"]); // rules unknown (server offline)
});

// A fake chrome.storage.local that, like Chrome's, hands objects back with their keys sorted.
function fakeStorage(initial) {
  const sorted = (v) => (v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v);
  const store = { settings: sorted(initial) };
  const writes = [];
  globalThis.chrome.storage = {
    local: {
      get: async (key) => (key in store ? { [key]: sorted(store[key]) } : {}),
      set: async (items) => { for (const [k, v] of Object.entries(items)) { writes.push(v); store[k] = sorted(v); } },
    },
  };
  return { store, writes };
}

test("reading valid settings never writes them back (a read that wrote would undo a save racing it)", async () => {
  const { writes } = fakeStorage(S.normalize({ disabledRules: ["status-claim"], extraSites: ["example.org"] }));
  const s = await S.load();
  assert.deepEqual(s.disabledRules, ["status-claim"]);
  assert.deepEqual(writes, []);
});

test("reading corrupt settings repairs them once", async () => {
  const { store, writes } = fakeStorage({ version: "x", showClear: "yes", apiUrl: null });
  await S.load();
  assert.equal(writes.length, 1);
  assert.equal(store.settings.showClear, false);
  assert.ok(!("apiUrl" in store.settings));
  await S.load();
  assert.equal(writes.length, 1);
});

test("update writes the patch over what is stored", async () => {
  const { store } = fakeStorage(S.normalize({ disabledRules: ["a"] }));
  await S.update((cur) => ({ disabledRules: [...cur.disabledRules, "b"] }));
  assert.deepEqual(store.settings.disabledRules, ["a", "b"]);
});

// One definition of a rule id: the server's, read from its own files, agrees with the extension's
// on a table of ids (test_browser_state.py asks the running server about the same kinds of ids).
const fs = require("node:fs");
const SERVER = path.join(__dirname, "../../../server");
const SCHEMA_ID = JSON.parse(fs.readFileSync(path.join(SERVER, "rule.schema.json"), "utf8")).properties.id;
const OPENAPI_ID = JSON.parse(fs.readFileSync(path.join(SERVER, "openapi.json"), "utf8")).components.schemas.RuleId;
const RULE_ID_TABLE = [
  "progress-claim", "a", "x1", "1-2-3", "rule-" + "x".repeat(59), "rule-" + "x".repeat(60),
  "Old_Rule", "old_rule", "bad id!", "", "-lead", "trail-", "double--dash", "UPPER", "dot.ted",
  "colon:rule", "ünïcode", "tab\there", "new\nline", "progress-claim\n",
];

test("the extension's rule id is the server's (schema and OpenAPI patterns, 64 characters)", () => {
  assert.equal(SCHEMA_ID.pattern, S.RULE_ID.source);
  assert.equal(OPENAPI_ID.pattern, S.RULE_ID.source);
  assert.equal(OPENAPI_ID.maxLength, S.RULE_ID_MAX);
  const server = new RegExp(OPENAPI_ID.pattern);
  for (const id of RULE_ID_TABLE) {
    const serverTakes = server.test(id) && id.length <= OPENAPI_ID.maxLength;
    assert.equal(S.isRuleId(id), serverTakes, JSON.stringify(id));
  }
  for (const v of [null, 7, {}, ["a"]]) assert.equal(S.isRuleId(v), false);
});

test("stored ids the server would refuse are repaired or dropped, and said so", () => {
  const raw = { disabledRules: ["Old_Rule", "bad id!", "progress-claim", 5, "Status.Claim", "x".repeat(65)] };
  const s = S.normalize(raw);
  assert.deepEqual(s.disabledRules, ["old-rule", "progress-claim", "status-claim"]);
  for (const id of s.disabledRules) assert.ok(S.isRuleId(id), id);
  assert.deepEqual(S.ruleIdChanges(raw), {
    repaired: [["Old_Rule", "old-rule"], ["Status.Claim", "status-claim"]],
    dropped: ["bad id!", "5", "x".repeat(65)],
  });
  assert.deepEqual(S.ruleIdChanges(s), { repaired: [], dropped: [] });
});

test("only ids the server lists are sent; with no list, only ids of its form", () => {
  const rules = [{ id: "progress-claim" }, { id: "other-rule" }];
  const s = S.normalize({ disabledRules: ["Old_Rule", "progress-claim", "gone-rule"] });
  assert.deepEqual(S.disabledRuleIds(s, rules).sort(), ["progress-claim"]);
  assert.deepEqual(S.disabledRuleIds(s, null).sort(), ["gone-rule", "old-rule", "progress-claim"]);
  // even settings that skipped normalize never send a malformed id
  assert.deepEqual(S.disabledRuleIds({ disabledRules: ["bad id!", "ok-rule"] }, null), ["ok-rule"]);
});

test("a read that repairs rule ids leaves a notice for the options page", async () => {
  const { store } = fakeStorage({ disabledRules: ["Old_Rule", "bad id!"] });
  const s = await S.load();
  assert.deepEqual(s.disabledRules, ["old-rule"]);
  assert.deepEqual(store.settings.disabledRules, ["old-rule"]);
  const notice = store[S.NOTICE_KEY];
  assert.deepEqual(notice.repaired, [["Old_Rule", "old-rule"]]);
  assert.deepEqual(notice.dropped, ["bad id!"]);
  assert.equal(typeof notice.at, "number");
});
