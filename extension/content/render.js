// Findings -> the marks on the page: which findings show (rules turned off, dismissed uses, clear
// uses only when asked for), their Ranges, the counts by sense; then one swap of the highlights.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});
  const T = globalThis.AlignLensText;
  const { rangeFor } = NS.highlight;
  const { yieldToPage } = NS.extract;
  const { Dismissals } = NS.dismissals;

  const emptyCounts = () => ({ ambiguous: 0, product: 0, superintelligence: 0, specific: 0 });

  // Same uses over the same text nodes at the same offsets?
  function sameItems(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const x = a[i].range;
      const y = b[i].range;
      if (a[i].key !== b[i].key || a[i].clear !== b[i].clear || x.startContainer !== y.startContainer ||
          x.endContainer !== y.endContainer || x.startOffset !== y.startOffset || x.endOffset !== y.endOffset) {
        return false;
      }
    }
    return true;
  }

  class Renderer {
    // page: {settings, active, items, counts}; scanner: {blocks, findings(text)};
    // dismissals: Dismissals; onShown(counts): after every render
    constructor({ page, scanner, dismissals, hl, ui, onShown }) {
      this.page = page;
      this.scanner = scanner;
      this.dismissals = dismissals;
      this.hl = hl;
      this.ui = ui;
      this.onShown = onShown;
    }

    // Build the marks of the current blocks (in slices, yielding to the page) and show them.
    async render() {
      const page = this.page;
      const counts = emptyCounts();
      const items = [];
      const disabled = new Set(page.settings.disabledRules);
      const blocks = this.scanner.blocks;
      let deadline = performance.now() + 8;
      for (let i = 0; i < blocks.length; i++) {
        const block = blocks[i];
        const findings = this.scanner.findings(block.text);
        if (findings && findings.length) this.collect(block, findings, disabled, counts, items);
        if ((i & 63) === 0 && performance.now() > deadline) {
          await yieldToPage();
          if (!page.active) return;
          deadline = performance.now() + 8;
        }
      }
      if (!page.active) return;
      if (!sameItems(page.items, items)) this.swap(items);
      page.counts = counts;
      this.onShown(counts);
    }

    collect(block, findings, disabled, counts, items) {
      const showClear = this.page.settings.showClear;
      let blockHash = null;
      for (const f of findings) {
        if (disabled.has(f.rule)) continue;
        blockHash = blockHash || Dismissals.blockHash(block.text);
        const key = Dismissals.useKey(blockHash, f);
        if (this.dismissals.has(key)) continue;
        const clear = f.sense === "product" || f.sense === "superintelligence";
        const shown = f.sense === "ambiguous" || (clear && showClear);
        if (!shown) {
          if (f.sense in counts) counts[f.sense]++;
          continue;
        }
        const range = rangeFor(block, f.start, f.end, f.text);
        if (!range) continue;
        if (f.sense in counts) counts[f.sense]++;
        items.push({
          block, finding: f, range, key, clear: f.sense !== "ambiguous",
          sentence: () => block.text.slice(f.sentence.start, f.sentence.end),
        });
      }
    }

    // Swapping highlights makes the browser repaint them all, so it is skipped when nothing
    // changed. The mark the card or the focus is on carries over to its new item.
    swap(items) {
      const active = this.hl.active;
      this.hl.render(items);
      if (active) {
        const same = items.find((it) => it.key === active.key && it.block.el === active.block.el);
        if (same) {
          this.hl.setActive(same);
          if (this.ui.item === active) this.ui.item = same;
          if (this.ui.focusItem === active) this.ui.focusItem = same;
        } else if (this.ui.isOpen()) {
          this.ui.close(false);
        }
      }
      this.page.items = items;
    }

    clear() {
      this.ui.close(false);
      this.hl.clear();
      this.page.items = [];
      this.page.counts = emptyCounts();
    }
  }

  NS.render = { Renderer, sameItems, emptyCounts };
})();
