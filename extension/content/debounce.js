// Debouncing with a ceiling: run `fn` once `quietMs` pass without a poke, and at the latest
// `maxWaitMs` after the first poke of a burst, so continuous typing is still checked every few
// seconds and never on every keystroke. The clock can be replaced (node --test:
// tests/browser/js/debounce.test.js).
(function (root) {
  "use strict";
  const NS = (root.AlignLens = root.AlignLens || {});

  class Debounce {
    constructor(fn, { quietMs = 500, maxWaitMs = 3000, clock } = {}) {
      this.fn = fn;
      this.quietMs = quietMs;
      this.maxWaitMs = maxWaitMs;
      this.clock = clock || { now: () => Date.now(), set: (f, ms) => setTimeout(f, ms), clear: (t) => clearTimeout(t) };
      this.timer = null;
      this.firstAt = null; // the first poke not yet run
    }

    get pending() {
      return this.firstAt !== null;
    }

    poke() {
      const now = this.clock.now();
      if (this.firstAt === null) this.firstAt = now;
      if (this.timer !== null) this.clock.clear(this.timer);
      const delay = Math.max(0, Math.min(this.quietMs, this.firstAt + this.maxWaitMs - now));
      this.timer = this.clock.set(() => this.flush(), delay);
    }

    flush() {
      if (this.timer !== null) this.clock.clear(this.timer);
      this.timer = null;
      if (this.firstAt === null) return;
      this.firstAt = null;
      this.fn();
    }

    cancel() {
      if (this.timer !== null) this.clock.clear(this.timer);
      this.timer = null;
      this.firstAt = null;
    }
  }

  NS.debounce = { Debounce };
  if (typeof module !== "undefined" && module.exports) module.exports = NS.debounce;
})(typeof globalThis !== "undefined" ? globalThis : this);
