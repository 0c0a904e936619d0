// What is sent to the server for a page, and what is read back from its answer.
// No DOM and no chrome APIs here: `node --test` covers it (tests/browser/js/).
(function (root) {
  "use strict";
  const NS = (root.AlignLens = root.AlignLens || {});
  const T = root.AlignLensText || (typeof require === "function" ? require("./textmap.js") : null);

  const REQUEST_BLOCKS = 5000;   // the API takes up to 5000 blocks a request
  const REQUEST_CHARS = 1500000; // and 5 MB a body (UTF-8 can take 3 bytes a character)
  const CONTEXT_CHARS = 12000;

  // Only text with an align-family word can hold a finding.
  const ALIGN_WORD = /align/i;
  const mayHoldFindings = (text) => ALIGN_WORD.test(text);

  // The server judges a bare use by the page's topic, so each request also carries some of the
  // page's other text (in document order, up to CONTEXT_CHARS) as context.
  function contextTexts(blocks) {
    const out = [];
    let size = 0;
    for (const b of blocks) {
      if (mayHoldFindings(b.text)) continue;
      if (size + b.text.length > CONTEXT_CHARS) break;
      out.push(b.text);
      size += b.text.length;
    }
    return out;
  }

  // The distinct block texts to ask about: those that may hold findings, have no fresh answer
  // under `key`, and are not skipped on this page view.
  function pendingTexts(blocks, { cache, key, skipped }) {
    const out = new Set();
    for (const b of blocks) {
      if (out.has(b.text) || !mayHoldFindings(b.text) || skipped.has(b.text)) continue;
      if (cache.lookup(b.text, key) !== "fresh") out.add(b.text);
    }
    return [...out];
  }

  // Requests for these texts: [{blocks: [{id, text}] (context blocks last), texts: Map(id -> text)}].
  function requestChunks(texts, context) {
    const blocks = texts.map((text, i) => ({ id: `b${i}`, text }));
    const contextBlocks = context.map((text, i) => ({ id: `c${i}`, text }));
    const chunks = T.chunkBlocks(blocks, REQUEST_BLOCKS - context.length, REQUEST_CHARS - CONTEXT_CHARS);
    return chunks.map((chunk) => ({
      blocks: chunk.concat(contextBlocks),
      texts: new Map(chunk.map((b) => [b.id, b.text])),
    }));
  }

  // The server's warnings that name blocks it did not analyse (their findings are empty), e.g.
  //   "blocks not analysed, their findings are empty; send them again later (time budget): ["b3"]"
  // or an object {message or code, blocks or ids}. Returns [{ids: [...], reason}]; any other
  // warning (unknown rule ids, blocks only partly analysed) names nothing skipped.
  const NOT_ANALYSED = /not[ _-]?analy[sz]ed|unanaly[sz]ed/i;

  function unanalysed(warnings) {
    const out = [];
    for (const w of Array.isArray(warnings) ? warnings : []) {
      if (typeof w === "string") {
        if (!NOT_ANALYSED.test(w)) continue;
        // "<message> (<reason>): <JSON list>" or "<message>: <JSON list>"; the ids are the block
        // ids sent, so they may hold any character: the list is parsed, never matched.
        const withReason = w.indexOf("): [");
        const listAt = withReason >= 0 ? withReason + 3 : w.indexOf(": [") + 2;
        let ids = null;
        try {
          ids = listAt >= 2 ? JSON.parse(w.slice(listAt)) : null;
        } catch (_) {
          ids = null;
        }
        if (!Array.isArray(ids)) continue;
        const open = withReason >= 0 ? w.indexOf("(") : -1;
        const reason = open >= 0 && open < withReason ? w.slice(open + 1, withReason).trim() : "";
        out.push({ ids: ids.filter((id) => typeof id === "string"), reason });
      } else if (w && typeof w === "object") {
        const label = [w.code, w.type, w.message].filter((x) => typeof x === "string").join(" ");
        const ids = Array.isArray(w.blocks) ? w.blocks : Array.isArray(w.ids) ? w.ids : null;
        if (!ids || !NOT_ANALYSED.test(label)) continue;
        out.push({ ids: ids.filter((id) => typeof id === "string"), reason: typeof w.reason === "string" ? w.reason : "" });
      }
    }
    return out;
  }

  NS.requests = {
    mayHoldFindings, contextTexts, pendingTexts, requestChunks, unanalysed,
    REQUEST_BLOCKS, REQUEST_CHARS, CONTEXT_CHARS,
  };
  if (typeof module !== "undefined" && module.exports) module.exports = NS.requests;
})(typeof globalThis !== "undefined" ? globalThis : this);
