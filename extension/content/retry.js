// When to ask the server again, and what never to ask again on this page view. The extension must
// never amplify: a block whose request timed out, or that the server said it did not analyse,
// is not sent again on this page view, and retries wait longer each time, up to a cap.
// No DOM and no chrome APIs here: `node --test` covers it (tests/browser/js/).
(function (root) {
  "use strict";
  const NS = (root.AlignLens = root.AlignLens || {});

  // "offline": nothing answered (connection refused or reset): cheap for the server to be asked
  // again, so recovery stays quick. "error": the server answered with an error after doing work.
  const POLICIES = {
    offline: { firstMs: 500, capMs: 8000 },
    error: { firstMs: 2000, capMs: 60000 },
  };

  // The wait before retry number `attempt` (0 for the first): doubling from firstMs, capped.
  function retryDelay(attempt, { firstMs, capMs }) {
    const n = Math.max(0, Math.floor(attempt));
    return Math.min(capMs, firstMs * 2 ** Math.min(n, 30));
  }

  class Backoff {
    constructor(policies = POLICIES) {
      this.policies = policies;
      this.attempt = 0;
    }

    // The wait before the next retry after a failure of this kind ("offline" or "error").
    next(kind) {
      const policy = this.policies[kind] || this.policies.error;
      return retryDelay(this.attempt++, policy);
    }

    reset() {
      this.attempt = 0;
    }
  }

  // Block texts not to send again on this page view, each with why.
  // reason: "timeout" (the request timed out) or "server" (the answer named it as not analysed;
  // `detail` is the server's reason, e.g. its time budget).
  class SkipList {
    constructor() {
      this.byText = new Map(); // text -> {reason, detail}
    }

    add(text, reason, detail = "") {
      if (!this.byText.has(text)) this.byText.set(text, { reason, detail });
    }

    has(text) {
      return this.byText.has(text);
    }

    // How many of these texts are skipped, by reason: [{reason, detail, count}], largest first.
    summarize(texts) {
      const counts = new Map();
      for (const text of new Set(texts)) {
        const entry = this.byText.get(text);
        if (!entry) continue;
        const id = `${entry.reason}\u0000${entry.detail}`;
        const row = counts.get(id) || { reason: entry.reason, detail: entry.detail, count: 0 };
        row.count++;
        counts.set(id, row);
      }
      return [...counts.values()].sort((x, y) => y.count - x.count);
    }

    clear() {
      this.byText.clear();
    }

    get size() {
      return this.byText.size;
    }
  }

  NS.retry = { Backoff, SkipList, retryDelay, POLICIES };
  if (typeof module !== "undefined" && module.exports) module.exports = NS.retry;
})(typeof globalThis !== "undefined" ? globalThis : this);
