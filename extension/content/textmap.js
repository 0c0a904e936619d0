// Pure text helpers: whitespace folding with offset maps, offset lookup, sentence cutting.
// No DOM here, so `node --test` covers all of it (tests/browser/js/).
(function (root) {
  "use strict";

  const WS = /[ \t\n\r\f]/;

  // Fold runs of HTML whitespace the way a browser renders them (to one space).
  // `prevSpace`: whether the block text so far ends in a space (or is empty).
  // Returns {text, map}; map is null when nothing was dropped, else map[i] is the raw
  // index of folded character i (UTF-16 code units throughout, like JS strings).
  function foldWhitespace(raw, prevSpace) {
    // Fast path: most text nodes have nothing to fold.
    if (!/[\t\n\r\f]| {2}/.test(raw) && !(prevSpace && raw[0] === " ")) return { text: raw, map: null };
    let text = "";
    let map = null;
    let space = prevSpace;
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i];
      if (WS.test(ch)) {
        if (space) {
          if (!map) {
            map = [];
            for (let k = 0; k < text.length; k++) map.push(k);
          }
          continue;
        }
        space = true;
        if (map) map.push(i);
        text += " ";
      } else {
        space = false;
        if (map) map.push(i);
        text += ch;
      }
    }
    return { text, map };
  }

  // Index of the last segment whose start <= pos (segments sorted by start).
  function segmentAt(segs, pos) {
    let lo = 0;
    let hi = segs.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid].start <= pos) {
        ans = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return ans;
  }

  // Map a block offset to {seg, offset-in-raw-node}. For a range start the point sits before
  // the character at pos; for an end, after the character at pos-1. Segments are
  // {start, length (folded), map|null}. Returns null when pos lies outside every segment.
  function locate(segs, pos, isEnd) {
    if (!segs.length) return null;
    const probe = isEnd ? pos - 1 : pos;
    const i = segmentAt(segs, probe);
    if (i < 0) return null;
    const seg = segs[i];
    const local = probe - seg.start;
    if (local < 0 || local >= seg.length) return null; // in a synthetic separator
    const rawIndex = seg.map ? seg.map[local] : local;
    return { index: i, offset: isEnd ? rawIndex + 1 : rawIndex };
  }

  // Small stable hash (FNV-1a, 32 bit) for keys kept in storage.
  function hashText(text) {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(36);
  }

  // Split a list into request-sized chunks by count and total characters.
  function chunkBlocks(blocks, maxCount, maxChars) {
    const chunks = [];
    let cur = [];
    let size = 0;
    for (const b of blocks) {
      const len = b.text.length + 64;
      if (cur.length && (cur.length >= maxCount || size + len > maxChars)) {
        chunks.push(cur);
        cur = [];
        size = 0;
      }
      cur.push(b);
      size += len;
    }
    if (cur.length) chunks.push(cur);
    return chunks;
  }

  const api = { foldWhitespace, segmentAt, locate, hashText, chunkBlocks };
  root.AlignLensText = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
