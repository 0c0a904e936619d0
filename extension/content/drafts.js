// The draft checker: the user's own writing in the page's editors (the rich editors'
// contenteditable roots, generic contenteditable roots, and <textarea>s in comment and post
// forms), checked while they type. A change is checked about 500 ms after a pause in typing, and
// at the latest every 3 s while typing goes on (debounce.js); only paragraphs whose text has no
// answer yet are sent, through the reading scan's own request path (scan.js's Scanner with its
// client cache, backoff and skip list, messages to the worker). Ambiguous uses are drawn with the
// Highlight API under their own name ("align-draft"): over the editor's text nodes, or over a
// textarea's mirror (draft-mirror.js). Nothing of the editor is touched: not its DOM, caret,
// selection, undo history or model; only a rewrite chosen on the card edits the draft, through
// the editor's own input path (draft-edit.js).
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});
  const S = globalThis.AlignLensSettings;
  const { rangeFor, Highlighter, supported } = NS.highlight;
  const { Mirror, MirrorLayer } = NS.draftMirror;
  const { Debounce } = NS.debounce;
  const { Dismissals, pageKey } = NS.dismissals;
  const R = NS.requests;

  const NAMES = { ambiguous: "align-draft", clear: "align-draft-clear", active: "align-draft-active" };
  const QUIET_MS = 500;
  const MAX_WAIT_MS = 3000;

  // The scanner's status, kept to the drafts (the page's status and badge are the reading scan's).
  class DraftStatus {
    constructor() {
      this.value = "idle";
    }

    get() {
      return this.value;
    }

    set(value) {
      this.value = value;
    }
  }

  class DraftChecker {
    // ui: card.PageUI; theme: theme.Theme; dismissals: dismissals.Dismissals; skip: the extract
    // selector of this site; editors: sites.editorSelectors(host); send: messages.send
    constructor({ ui, theme, titles, dismissals, skip, editors, send }) {
      Object.assign(this, { ui, theme, titles, dismissals, skip, editors });
      this.settings = S.normalize(null);
      this.active = false;
      this.roots = new Map(); // editable root (or textarea) -> {kind: "rich"|"plain", observer, mirror}
      this.items = new Map(); // root -> its shown marks
      this.hl = new Highlighter(NAMES);
      this.layer = new MirrorLayer();
      this.stats = { requests: 0, blocks: 0 };
      this.scanner = new NS.scan.Scanner({
        extract: (isCancelled) => this.extract(isCancelled),
        send: (message) => {
          this.stats.requests++;
          this.stats.blocks += (message.blocks || []).length;
          return send(message);
        },
        inputs: () => ({
          serverUrl: this.settings.serverUrl,
          disabledRules: this.settings.disabledRules,
          url: pageKey(),
          title: document.title,
        }),
        render: () => this.render(),
        status: new DraftStatus(),
        isActive: () => this.active,
      });
      this.debounce = new Debounce(() => this.scanner.scan(), { quietMs: QUIET_MS, maxWaitMs: MAX_WAIT_MS });
      this.resize = typeof ResizeObserver === "function" ? new ResizeObserver(() => this.placeMirrors()) : null;
      this.placeTimer = null;
      this.placeFrame = 0;
      this.on = {
        focusin: (e) => this.onFocus(e),
        input: (e) => this.onInput(e),
        click: (e) => this.onClick(e),
        scroll: () => this.schedulePlace(),
        resize: () => this.schedulePlace(),
      };
    }

    // ---- on and off ---------------------------------------------------------------------------

    start() {
      S.load()
        .catch(() => S.normalize(null))
        .then((settings) => this.apply(settings));
      chrome.storage.onChanged.addListener((changes, area) => {
        if (area === "local" && changes[S.STORAGE_KEY]) this.apply(S.normalize(changes[S.STORAGE_KEY].newValue));
      });
    }

    apply(next) {
      const prev = this.settings;
      this.settings = next;
      const run = next.checkDrafts && S.hostEnabled(next, location.hostname) && supported();
      if (!run) return this.deactivate();
      if (!this.active) return this.activate();
      if (prev.serverUrl !== next.serverUrl) this.scanner.serverChanged();
      if (JSON.stringify([prev.disabledRules, prev.serverUrl]) !==
          JSON.stringify([next.disabledRules, next.serverUrl])) {
        // show the change from what is known at once, then ask again (the answers are stale)
        this.render().then(() => this.scanner.scan());
      }
    }

    activate() {
      this.active = true;
      document.addEventListener("focusin", this.on.focusin, true);
      document.addEventListener("input", this.on.input, true);
      document.addEventListener("beforeinput", this.on.input, true); // rich editors may cancel it and send no input
      document.addEventListener("scroll", this.on.scroll, { capture: true, passive: true });
      window.addEventListener("click", this.on.click); // after the page's and the reading marks' handlers
      window.addEventListener("resize", this.on.resize, { passive: true });
      // Editors already holding a draft (restored by the site) are checked now; others once focused.
      const selectors = [...this.editors.rich, ...this.editors.plain, "[contenteditable]:not([contenteditable='false'])"];
      for (const el of document.querySelectorAll(selectors.join(","))) {
        const root = this.rootOf(el);
        if (root && (root === document.activeElement || root.contains(document.activeElement) || this.hasText(root))) this.attach(root);
      }
    }

    deactivate() {
      if (!this.active) return;
      this.active = false;
      document.removeEventListener("focusin", this.on.focusin, true);
      document.removeEventListener("input", this.on.input, true);
      document.removeEventListener("beforeinput", this.on.input, true);
      document.removeEventListener("scroll", this.on.scroll, { capture: true });
      window.removeEventListener("click", this.on.click);
      window.removeEventListener("resize", this.on.resize);
      this.debounce.cancel();
      this.scanner.stop();
      for (const root of [...this.roots.keys()]) this.detach(root, false);
      if (this.ui.item && this.ui.item.draft) this.ui.close(false);
      this.hl.clear();
      this.layer.remove();
    }

    // ---- which editors ------------------------------------------------------------------------

    hasText(root) {
      return /\S/.test(root.localName === "textarea" ? root.value : root.textContent);
    }

    // The editable root holding el (an editor's root, or a draft textarea), or null.
    rootOf(el) {
      if (!el || el.nodeType !== Node.ELEMENT_NODE) return null;
      if (this.ui.host && (el === this.ui.host || this.ui.host.contains(el))) return null;
      if (el.localName === "textarea") {
        if (el.readOnly || el.disabled) return null;
        const known = this.editors.plain.length && el.matches(this.editors.plain.join(","));
        return known || el.closest("form") ? el : null;
      }
      const rich = this.editors.rich.length ? el.closest(this.editors.rich.join(",")) : null;
      if (rich && rich.isContentEditable) return rich;
      if (!el.isContentEditable) return null;
      let root = el;
      while (root.parentElement && root.parentElement.isContentEditable) root = root.parentElement;
      return root;
    }

    attach(root) {
      if (this.roots.has(root)) return;
      const entry = { kind: root.localName === "textarea" ? "plain" : "rich", observer: null, mirror: null };
      if (entry.kind === "plain") {
        entry.mirror = new Mirror(root, this.layer.ensure());
        if (this.resize) this.resize.observe(root);
        if (!this.placeTimer) this.placeTimer = setInterval(() => this.placeMirrors(), 1000); // layout shifts
      } else {
        // Rich editors apply typing themselves (their beforeinput handlers), often with no input
        // event: their DOM changes tell. Observing changes nothing.
        entry.observer = new MutationObserver(() => this.debounce.poke());
        entry.observer.observe(root, { childList: true, characterData: true, subtree: true });
      }
      this.roots.set(root, entry);
      if (this.hasText(root)) this.debounce.poke();
    }

    detach(root, show = true) {
      const entry = this.roots.get(root);
      if (!entry) return;
      if (entry.observer) entry.observer.disconnect();
      if (entry.mirror) {
        entry.mirror.remove();
        if (this.resize) this.resize.unobserve(root);
      }
      this.roots.delete(root);
      this.items.delete(root);
      if (![...this.roots.values()].some((e) => e.mirror)) {
        clearInterval(this.placeTimer);
        this.placeTimer = null;
      }
      if (show) this.show();
    }

    // ---- events -------------------------------------------------------------------------------

    onFocus(event) {
      const root = this.rootOf(event.composedPath()[0] || event.target);
      if (root) this.attach(root);
    }

    onInput(event) {
      const target = event.target;
      const root = target && this.roots.has(target) ? target : this.rootOf(target);
      if (!root) return;
      if (!this.roots.has(root)) this.attach(root);
      const item = this.ui.item;
      if (item && item.draft && item.root === root) this.ui.close(false); // the text moved on
      const entry = this.roots.get(root);
      if (entry.mirror && entry.mirror.sync()) {
        // the mirror's text nodes are new: redraw its marks from what is known, at once
        entry.mirror.place();
        this.items.set(root, this.collect(root, entry.mirror.blocks));
        this.show();
      }
      this.debounce.poke();
    }

    onClick(event) {
      if (!this.active || event.button !== 0 || this.ui.owns(event)) return;
      const target = event.target;
      if (!target || target.nodeType !== Node.ELEMENT_NODE) return;
      let item = null;
      if (target.localName === "textarea" && this.roots.has(target)) {
        if (target.selectionStart !== target.selectionEnd) return; // selecting text
        const caret = target.selectionStart;
        item = (this.items.get(target) || []).find((it) =>
          caret >= it.block.valueStart + it.finding.start && caret <= it.block.valueStart + it.finding.end) || null;
      } else {
        const root = [...this.roots.keys()].find((r) => r.contains(target));
        if (!root) return;
        const selection = document.getSelection();
        if (selection && !selection.isCollapsed && String(selection).trim()) return;
        item = this.hl.hitTest(event.clientX, event.clientY);
      }
      if (item) this.open(item);
    }

    open(item) {
      this.theme.update();
      this.hl.setActive(item);
      // the keyboard stays in the editor: typing goes on (and closes the card)
      this.ui.open(item, { focus: false });
      // the card shows the rule id until the titles arrive (as for reading marks: clicks.js)
      if (!this.titles.known) this.titles.ensure().then(() => this.ui.refreshWhy(item));
    }

    // The card closed (main.js's onClose).
    cardClosed(item) {
      if (item && item.draft) this.hl.setActive(null);
    }

    schedulePlace() {
      if (this.placeFrame || !this.placeTimer) return;
      this.placeFrame = requestAnimationFrame(() => {
        this.placeFrame = 0;
        this.placeMirrors();
      });
    }

    placeMirrors() {
      for (const [root, entry] of this.roots) {
        if (!root.isConnected) {
          this.detach(root);
          continue;
        }
        if (entry.mirror) entry.mirror.place();
      }
    }

    // ---- checking -----------------------------------------------------------------------------

    async blocksOf(root, entry, isCancelled) {
      if (entry.mirror) {
        entry.mirror.sync();
        return entry.mirror.blocks;
      }
      const blocks = await NS.extract.extractBlocks(root, { ownHost: this.ui.host, skip: this.skip, isCancelled });
      for (const b of blocks) b.root = root;
      return blocks;
    }

    // The scanner's extract: the paragraphs of every draft that can hold a finding. (No other
    // text goes along as context: the key of every answer would change with each keystroke, and
    // every paragraph be sent again. The page's address gives the topic.)
    async extract(isCancelled) {
      const out = [];
      for (const [root, entry] of [...this.roots]) {
        if (!root.isConnected) {
          this.detach(root);
          continue;
        }
        for (const b of await this.blocksOf(root, entry, isCancelled)) {
          if (R.mayHoldFindings(b.text)) out.push(b);
        }
        if (isCancelled()) return [];
      }
      return out;
    }

    // The scanner's render: every draft's marks from the answers known (read afresh: the text
    // may have moved on while the request was out).
    async render() {
      if (!this.active) return;
      for (const [root, entry] of [...this.roots]) {
        if (!root.isConnected) continue;
        if (entry.mirror) entry.mirror.place();
        this.items.set(root, this.collect(root, await this.blocksOf(root, entry, () => !this.active)));
      }
      if (this.active) this.show();
    }

    collect(root, blocks) {
      const disabled = new Set(this.settings.disabledRules);
      const items = [];
      for (const block of blocks) {
        const findings = this.scanner.findings(block.text);
        if (!findings || !findings.length) continue;
        let hash = null;
        for (const f of findings) {
          if (f.sense !== "ambiguous" || disabled.has(f.rule)) continue;
          hash = hash || Dismissals.blockHash(block.text);
          const key = Dismissals.useKey(hash, f);
          if (this.dismissals.has(key)) continue;
          const range = rangeFor(block, f.start, f.end, f.text);
          if (!range) continue;
          const item = {
            block, root, finding: f, range, key, clear: false, draft: true,
            // the server's sentence span (as render.js reads it); the whole paragraph without one
            sentence: () => (f.sentence ? block.text.slice(f.sentence.start, f.sentence.end) : block.text),
            rewrite: (rw) => this.applyRewrite(item, rw),
          };
          items.push(item);
        }
      }
      return items;
    }

    show() {
      const all = [];
      for (const root of this.roots.keys()) all.push(...(this.items.get(root) || []));
      const open = this.ui.item && this.ui.item.draft ? this.ui.item : null;
      this.hl.render(all);
      if (open && !all.includes(open)) {
        const same = all.find((it) => it.key === open.key && it.root === open.root);
        if (same) {
          this.ui.item = same;
          this.hl.setActive(same);
        } else {
          this.ui.close(false);
        }
      }
    }

    // A rewrite from the card: replace [start, end) of the item's block with its text, through
    // the editor's own input path. -> bool
    async applyRewrite(item, rw) {
      const block = item.block;
      if (!Number.isInteger(rw.start) || !Number.isInteger(rw.end) || rw.start > rw.end || rw.end > block.text.length) return false;
      const original = block.text.slice(rw.start, rw.end);
      if (block.mirror) {
        const textarea = block.el;
        const start = block.valueStart + rw.start;
        const end = block.valueStart + rw.end;
        if (textarea.value.slice(start, end) !== original) return false; // the draft moved on
        return NS.draftEdit.replaceInTextarea(textarea, start, end, rw.text);
      }
      let range = rangeFor(block, rw.start, rw.end, original);
      if (!range) {
        // the editor re-rendered the paragraph: find the same text again
        const entry = this.roots.get(item.root);
        const fresh = entry ? (await this.blocksOf(item.root, entry, () => false)).find((b) => b.text === block.text) : null;
        range = fresh ? rangeFor(fresh, rw.start, rw.end, original) : null;
      }
      if (!range) return false;
      return NS.draftEdit.replaceInEditable(item.root, range, rw.text);
    }
  }

  NS.drafts = { DraftChecker, NAMES, QUIET_MS, MAX_WAIT_MS };
})();
