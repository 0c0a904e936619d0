// Page changes: one debounced MutationObserver for content that arrives late (comments,
// "show more", "read more", hover popups) and URL checks for client-side navigation.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});

  // Style writes are frequent (sticky headers, animations); only those touching display or
  // visibility can show or hide text.
  const VISIBILITY_STYLE = /(?:^|;|\s)(?:display|visibility|content-visibility)\s*:[^;]*/gi;

  function visibilityMayChange(record) {
    const before = (record.oldValue || "").match(VISIBILITY_STYLE) || [];
    const after = (record.target.getAttribute("style") || "").match(VISIBILITY_STYLE) || [];
    return before.join(";").replace(/\s+/g, "") !== after.join(";").replace(/\s+/g, "");
  }

  class Watcher {
    // onChange({urlChanged}) runs at most once per `debounceMs` of quiet (or `maxWaitMs` of churn).
    constructor(onChange, { debounceMs = 150, maxWaitMs = 600, ignore = () => false } = {}) {
      this.onChange = onChange;
      this.debounceMs = debounceMs;
      this.maxWaitMs = maxWaitMs;
      this.ignore = ignore;
      this.timer = null;
      this.firstAt = 0;
      this.url = location.href;
      this.observer = new MutationObserver((records) => this.onMutations(records));
      this.onNav = () => this.schedule();
    }

    start() {
      const target = document.body || document.documentElement;
      this.observer.observe(target, {
        childList: true,
        subtree: true,
        characterData: true,
        attributes: true,
        attributeOldValue: true,
        attributeFilter: ["style", "hidden", "open"],
      });
      window.addEventListener("popstate", this.onNav);
      window.addEventListener("hashchange", this.onNav);
    }

    stop() {
      this.observer.disconnect();
      window.removeEventListener("popstate", this.onNav);
      window.removeEventListener("hashchange", this.onNav);
      clearTimeout(this.timer);
      this.timer = null;
    }

    onMutations(records) {
      for (const r of records) {
        if (this.ignore(r.target)) continue;
        if (r.type === "attributes" && r.attributeName === "style" && !visibilityMayChange(r)) continue;
        this.schedule();
        return;
      }
    }

    schedule() {
      const now = performance.now();
      if (!this.timer) this.firstAt = now;
      clearTimeout(this.timer);
      const wait = Math.max(0, Math.min(this.debounceMs, this.firstAt + this.maxWaitMs - now));
      this.timer = setTimeout(() => this.fire(), wait);
    }

    fire() {
      this.timer = null;
      const urlChanged = location.href !== this.url;
      this.url = location.href;
      this.onChange({ urlChanged });
    }
  }

  NS.watch = { Watcher, visibilityMayChange };
  if (typeof module !== "undefined" && module.exports) module.exports = NS.watch;
})();
