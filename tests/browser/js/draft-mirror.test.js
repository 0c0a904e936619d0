// node --test: a textarea draft's paragraphs (extension/content/draft-mirror.js splitDraft).
const test = require("node:test");
const assert = require("node:assert/strict");
const { splitDraft } = require("../../../extension/content/draft-mirror.js");

const parts = (v) => splitDraft(v).map((p) => [v.slice(p.start, p.end), p.code]);

test("paragraphs are runs of non-blank lines; the parts tile the value exactly", () => {
  for (const v of ["", "one", "a\nb\n\nc", "\n\nhi\n", "x\r\ny\n \n\tz", "🙂 align\n\n\nnext"]) {
    const got = splitDraft(v);
    let at = 0;
    for (const p of got) {
      assert.equal(p.start, at);
      assert.ok(p.end > p.start);
      at = p.end;
    }
    assert.equal(at, v.length);
  }
  assert.deepEqual(parts("a\nb\n\nc"), [["a\nb", false], ["\n\n", true], ["c", false]]);
  assert.deepEqual(parts("\n\nhi\n"), [["\n\n", true], ["hi", false], ["\n", true]]);
  assert.deepEqual(parts("🙂 align\n\n\nnext"), [["🙂 align", false], ["\n\n\n", true], ["next", false]]);
});

test("fenced code is never a paragraph, blank lines inside it included", () => {
  const v = "x\n```\nalign(x)\n\nmore\n```\ny\n~~~~py\nalign\n~~~\nstill code\n~~~~\nz";
  assert.deepEqual(parts(v).filter(([, code]) => !code).map(([t]) => t), ["x", "y", "z"]);
  // an unclosed fence runs to the end
  assert.deepEqual(parts("a\n```\nalign\n\nb").filter(([, code]) => !code).map(([t]) => t), ["a"]);
  // indented code blocks neither; a paragraph with one indented line stays prose
  assert.deepEqual(parts("text\n\n    align(x)\n\tmore\n\nend").filter(([, code]) => !code).map(([t]) => t), ["text", "end"]);
  assert.deepEqual(parts("an align word\n    continued").filter(([, code]) => !code).length, 1);
});
