// The user's "not this one": a use dismissed on this page (kept per page in storage.local), or a
// whole rule turned off from the card (kept in the settings).
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});
  const S = globalThis.AlignLensSettings;
  const T = globalThis.AlignLensText;

  // The page a dismissal belongs to: its address without the #fragment.
  const pageKey = () => location.origin + location.pathname + location.search;

  class Dismissals {
    // onChange(): the set changed (here or in another tab of the same page)
    constructor(onChange) {
      this.onChange = onChange;
      this.keys = new Set();
      chrome.storage.onChanged.addListener((changes, area) => {
        const key = this.storageKey();
        if (area !== "local" || !changes[key]) return;
        const v = changes[key].newValue;
        this.keys = new Set(Array.isArray(v) ? v : []);
        this.onChange();
      });
    }

    storageKey() {
      return `dismissed:${pageKey()}`;
    }

    // The dismissals of the page now showing (call again after client-side navigation).
    async load() {
      try {
        const key = this.storageKey();
        const got = await chrome.storage.local.get(key);
        this.keys = new Set(Array.isArray(got[key]) ? got[key] : []);
      } catch (_) {
        this.keys = new Set();
      }
    }

    // A use is its block's text (hashed) and its offsets: the same words elsewhere stay marked.
    static useKey(blockHash, finding) {
      return `${blockHash}:${finding.start}:${finding.end}`;
    }

    static blockHash(text) {
      return T.hashText(text);
    }

    has(useKey) {
      return this.keys.has(useKey);
    }

    async dismiss(item) {
      this.keys.add(item.key);
      this.onChange();
      try {
        await chrome.storage.local.set({ [this.storageKey()]: [...this.keys] });
      } catch (_) { /* still dismissed for this visit */ }
    }
  }

  // Turn a rule off from the card: shown at once (`apply` gets the new settings), then saved; the
  // storage event brings the same settings back to every tab.
  async function turnOffRule(current, ruleId, apply) {
    apply(S.normalize(Object.assign({}, current, { disabledRules: [...current.disabledRules, ruleId] })));
    try {
      await S.update((cur) => ({ disabledRules: [...cur.disabledRules, ruleId] }));
    } catch (_) { /* shown already; the storage event would have re-rendered anyway */ }
  }

  NS.dismissals = { Dismissals, turnOffRule, pageKey };
})();
