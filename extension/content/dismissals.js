// The user's "not this one": a use dismissed on this page (kept per page in storage.local), or a
// whole rule turned off from the card (kept in the settings). Both can be undone: from the
// notice the card leaves (notice.js) and from the options page, which lists them.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});
  const S = globalThis.AlignLensSettings;
  const T = globalThis.AlignLensText;

  // The page a dismissal belongs to: its address without the #fragment.
  const pageKey = () => location.origin + location.pathname + location.search;

  // Stored under `dismissed:<page>`: a list of entries {key, word, sentence, rule, title, at}
  // (the options page shows the word and its sentence); a bare key string is an older entry.
  const entryKey = (e) => (typeof e === "string" ? e : e && typeof e.key === "string" ? e.key : null);

  class Dismissals {
    // onChange(): the set changed (here or in another tab of the same page)
    constructor(onChange) {
      this.onChange = onChange;
      this.entries = [];
      this.keys = new Set();
      chrome.storage.onChanged.addListener((changes, area) => {
        const key = this.storageKey();
        if (area !== "local" || !changes[key]) return;
        this.set(changes[key].newValue);
        this.onChange();
      });
    }

    storageKey() {
      return `dismissed:${pageKey()}`;
    }

    set(value) {
      this.entries = (Array.isArray(value) ? value : []).filter((e) => entryKey(e) !== null);
      this.keys = new Set(this.entries.map(entryKey));
    }

    // The dismissals of the page now showing (call again after client-side navigation).
    async load() {
      try {
        const key = this.storageKey();
        const got = await chrome.storage.local.get(key);
        this.set(got[key]);
      } catch (_) {
        this.set([]);
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

    async save() {
      const key = this.storageKey();
      try {
        if (this.entries.length) await chrome.storage.local.set({ [key]: this.entries });
        else await chrome.storage.local.remove(key);
      } catch (_) { /* still applied for this visit */ }
    }

    async dismiss(item) {
      if (this.keys.has(item.key)) return;
      this.entries.push({
        key: item.key, word: item.finding.text, sentence: item.sentence(), rule: item.finding.rule,
        title: document.title.slice(0, 200), at: Date.now(),
      });
      this.keys.add(item.key);
      this.onChange();
      await this.save();
    }

    // Undo a dismissal (the notice's Undo); the use shows again at once.
    async restore(useKey) {
      if (!this.keys.has(useKey)) return;
      this.set(this.entries.filter((e) => entryKey(e) !== useKey));
      this.onChange();
      await this.save();
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

  // Undo of the above. Saved first, then shown: the worker reads the rules turned off from the
  // stored settings, so a request sent before the save would come back without the rule's
  // findings and be taken as the answer under the new settings. (The storage event usually
  // applies it first; then `apply` changes nothing.)
  async function turnOnRule(current, ruleId, apply) {
    const without = (list) => list.filter((id) => id !== ruleId);
    let saved = null;
    try {
      saved = await S.update((cur) => ({ disabledRules: without(cur.disabledRules) }));
    } catch (_) { /* not saved: shown for this page view anyway */ }
    apply(S.normalize(saved || Object.assign({}, current, { disabledRules: without(current.disabledRules) })));
  }

  NS.dismissals = { Dismissals, turnOffRule, turnOnRule, pageKey, entryKey };
})();
