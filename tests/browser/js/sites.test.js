// node --test: per-site selectors (content/sites.js) cover every built-in site of the manifest.
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const sites = require("../../../extension/content/sites.js");
const MANIFEST = require(path.join(__dirname, "../../../manifest.json"));

const builtInHosts = () => MANIFEST.content_scripts.flatMap((cs) => cs.matches)
  .map((m) => /^[a-z*]+:\/\/([^/]+)\//.exec(m)[1]);

test("every built-in host belongs to a known platform", () => {
  for (const host of builtInHosts()) {
    assert.ok(sites.platformFor(host), `${host} has no entry in sites.js`);
    assert.ok(sites.skipSelectors(host).length > 0);
  }
});

test("a host of no known platform gets every platform's selectors, once each", () => {
  const all = sites.skipSelectors("127.0.0.1");
  for (const p of sites.PLATFORMS) for (const sel of p.skip) assert.ok(all.includes(sel), sel);
  assert.equal(new Set(all).size, all.length);
  assert.equal(sites.platformFor("notlesswrong.com"), null); // suffix matches whole labels only
});

test("the editors of ForumMagnum are not skipped on GreaterWrong, whose editor is a textarea", () => {
  assert.ok(sites.skipSelectors("www.lesswrong.com").includes(".ck-editor__editable"));
  assert.ok(!sites.skipSelectors("www.greaterwrong.com").includes(".ck-editor__editable"));
});

test("editor selectors for the draft checker: each platform's own, every platform's on other hosts", () => {
  const lw = sites.editorSelectors("www.lesswrong.com");
  assert.ok(lw.rich.includes(".ck-editor__editable"));
  assert.ok(lw.plain.includes("form textarea"));
  assert.deepEqual(sites.editorSelectors("www.greaterwrong.com").rich, []);
  const other = sites.editorSelectors("127.0.0.1");
  for (const p of sites.PLATFORMS) for (const sel of p.editors.rich) assert.ok(other.rich.includes(sel), sel);
  assert.equal(new Set(other.plain).size, other.plain.length);
});
