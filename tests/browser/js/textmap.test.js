// node --test: whitespace folding, UTF-16 offset lookup, chunking (content/textmap.js).
const test = require("node:test");
const assert = require("node:assert/strict");
const T = require("../../../extension/content/textmap.js");

// Build a block the way extract.js does, from raw text-node strings.
function block(raws) {
  let text = "";
  const segs = [];
  for (const raw of raws) {
    const f = T.foldWhitespace(raw, text === "" || /[ \n]$/.test(text));
    if (!f.text) continue;
    segs.push({ raw, start: text.length, length: f.text.length, map: f.map });
    text += f.text;
  }
  return { text, segs };
}

// Map [start, end) of the block back to the raw strings, as a Range would cover them.
function covered(b, start, end) {
  const a = T.locate(b.segs, start, false);
  const z = T.locate(b.segs, end, true);
  if (a.index === z.index) return b.segs[a.index].raw.slice(a.offset, z.offset);
  let out = b.segs[a.index].raw.slice(a.offset);
  for (let i = a.index + 1; i < z.index; i++) out += b.segs[i].raw;
  return out + b.segs[z.index].raw.slice(0, z.offset);
}

test("text without extra whitespace is not copied or mapped", () => {
  const f = T.foldWhitespace("progress on alignment", false);
  assert.equal(f.text, "progress on alignment");
  assert.equal(f.map, null);
});

test("whitespace runs fold to one space and map back", () => {
  const b = block(["  We made\n     real progress on   alignment.  "]);
  assert.equal(b.text, "We made real progress on alignment. ");
  const at = b.text.indexOf("alignment");
  assert.equal(covered(b, at, at + 9), "alignment");
});

test("a word split across inline elements maps to both nodes", () => {
  const b = block(["the ", "align", "ment problem"]);
  assert.equal(b.text, "the alignment problem");
  const a = T.locate(b.segs, 4, false);
  const z = T.locate(b.segs, 13, true);
  assert.deepEqual([a.index, a.offset, z.index, z.offset], [1, 0, 2, 4]);
  assert.equal(covered(b, 4, 13), "alignment");
});

test("end offsets at a node boundary stay in the earlier node", () => {
  const b = block(["superintelligence ", "alignment", ", the question"]);
  const at = b.text.indexOf("alignment");
  const z = T.locate(b.segs, at + 9, true);
  assert.deepEqual([z.index, z.offset], [1, 9]);
  const a = T.locate(b.segs, at, false);
  assert.deepEqual([a.index, a.offset], [1, 0]);
});

test("offsets are UTF-16 code units: an emoji counts two", () => {
  const b = block(["🙂 Honestly, progress on alignment"]);
  const at = b.text.indexOf("alignment");
  assert.equal(at, 25);
  assert.equal(covered(b, at, at + 9), "alignment");
});

test("leading space of a node after a space is dropped, and mapped", () => {
  const b = block(["progress on ", "  alignment"]);
  assert.equal(b.text, "progress on alignment");
  assert.equal(covered(b, 12, 21), "alignment");
});

test("offsets outside the text give null", () => {
  const b = block(["abc"]);
  assert.equal(T.locate(b.segs, 5, false), null);
  assert.equal(T.locate([], 0, false), null);
});

test("chunkBlocks respects count and size", () => {
  const blocks = Array.from({ length: 10 }, (_, i) => ({ id: `b${i}`, text: "x".repeat(100) }));
  assert.deepEqual(T.chunkBlocks(blocks, 4, 1e9).map((c) => c.length), [4, 4, 2]);
  assert.deepEqual(T.chunkBlocks(blocks, 100, 400).map((c) => c.length), [2, 2, 2, 2, 2]);
});

test("hashText is stable", () => {
  assert.equal(T.hashText("the model is aligned"), T.hashText("the model is aligned"));
  assert.notEqual(T.hashText("a"), T.hashText("b"));
});
