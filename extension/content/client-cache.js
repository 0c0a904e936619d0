// The tab's memory of the server's answers, so that a re-scan asks only for what is new.
// An answer depends on more than a block's text: on the page (its URL and title, and the page's
// other text sent along as topic context), on the rules turned off or on, and on which server
// answered. Every answer is stored with the key of those inputs; it is fresh only while they are
// the same. A stale answer is still what the page shows until the new one arrives.
// No DOM and no chrome APIs here: `node --test` covers it (tests/browser/js/).
(function (root) {
  "use strict";
  const NS = (root.AlignLens = root.AlignLens || {});

  // Two 32-bit multiply-xor hashes side by side: a short key for inputs of any size.
  function digest(text) {
    let a = 0x811c9dc5;
    let b = 0x9e3779b9 ^ text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 13;
    }
    return (a >>> 0).toString(36) + "-" + (b >>> 0).toString(36);
  }

  const sorted = (list) => [...(list || [])].map(String).sort();

  // The key of everything besides a block's own text that the server's answer depends on.
  // The order of rule ids does not matter; the order of the context texts does (it is sent).
  function requestKey({ serverUrl = "", url = "", title = "", disabledRules = [], context = [] } = {}) {
    return digest(JSON.stringify([
      String(serverUrl), String(url), String(title), sorted(disabledRules),
      (context || []).map(String),
    ]));
  }

  class ClientCache {
    // limit: how many block texts to remember; the least recently used go first.
    constructor(limit = 20000) {
      this.limit = limit;
      this.entries = new Map(); // text -> {key, findings}; Map order = least recently used first
    }

    get size() {
      return this.entries.size;
    }

    // "fresh" (answered under this key), "stale" (under other inputs) or "missing". Counts as a
    // use: an entry looked up is kept longer.
    lookup(text, key) {
      const entry = this.entries.get(text);
      if (!entry) return "missing";
      this.entries.delete(text);
      this.entries.set(text, entry);
      return entry.key === key ? "fresh" : "stale";
    }

    // The findings to show for a text: the latest answer, fresh or stale; undefined when none.
    findings(text) {
      const entry = this.entries.get(text);
      return entry ? entry.findings : undefined;
    }

    put(text, key, findings) {
      this.entries.delete(text);
      this.entries.set(text, { key, findings: Array.isArray(findings) ? findings : [] });
      while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value);
    }

    clear() {
      this.entries.clear();
    }
  }

  NS.clientCache = { ClientCache, requestKey, digest };
  if (typeof module !== "undefined" && module.exports) module.exports = NS.clientCache;
})(typeof globalThis !== "undefined" ? globalThis : this);
