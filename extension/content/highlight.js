// Findings -> DOM Ranges -> CSS Custom Highlights; hit-testing of clicks and keyboard focus.
// Never touches the page's nodes: ranges only point into them.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});
  const T = globalThis.AlignLensText;

  const NAMES = { ambiguous: "align-ambiguous", clear: "align-clear", active: "align-active" };

  function supported() {
    return typeof CSS !== "undefined" && CSS.highlights && typeof Highlight === "function";
  }

  const squash = (s) => s.replace(/\s+/g, " ").trim();

  // A Range for [start, end) of a block, or null when the DOM moved on since extraction.
  function rangeFor(block, start, end, expectText) {
    const a = T.locate(block.segs, start, false);
    const z = T.locate(block.segs, end, true);
    if (!a || !z) return null;
    const startNode = block.segs[a.index].node;
    const endNode = block.segs[z.index].node;
    if (!startNode.isConnected || !endNode.isConnected) return null;
    const range = document.createRange();
    try {
      range.setStart(startNode, a.offset);
      range.setEnd(endNode, z.offset);
    } catch (_) {
      return null;
    }
    if (expectText != null && squash(range.toString()) !== squash(expectText)) return null;
    return range;
  }

  function rectsContain(rects, x, y, slop) {
    for (const r of rects) {
      if (x >= r.left - slop && x <= r.right + slop && y >= r.top - slop && y <= r.bottom + slop) return true;
    }
    return false;
  }

  function caretNodeAt(x, y) {
    if (typeof document.caretPositionFromPoint === "function") {
      const p = document.caretPositionFromPoint(x, y);
      return p ? p.offsetNode : null;
    }
    if (typeof document.caretRangeFromPoint === "function") {
      const r = document.caretRangeFromPoint(x, y);
      return r ? r.startContainer : null;
    }
    return null;
  }

  class Highlighter {
    // names: the highlight names to use ({ambiguous, clear, active}); the reading marks' by default
    // (the draft checker has its own, see drafts.js).
    constructor(names) {
      this.names = Object.assign({}, NAMES, names);
      this.items = [];          // shown items in document order: {range, sense, clear, ...}
      this.byNode = new Map();  // text node -> items of its block (for hit-testing)
      this.active = null;
    }

    // items: [{block, range, clear}] (ranges already made). Swaps all highlights at once.
    render(items) {
      if (!supported()) return;
      const ambiguous = new Highlight();
      const clear = new Highlight();
      // the clear marks again, by side: these two paint them (dashed product, double
      // superintelligence); `clear` holds them all and paints nothing (highlight.css)
      const product = new Highlight();
      const superintelligence = new Highlight();
      const byNode = new Map();
      for (const item of items) {
        (item.clear ? clear : ambiguous).add(item.range);
        if (item.clear) (item.finding && item.finding.sense === "superintelligence" ? superintelligence : product).add(item.range);
        for (const seg of item.block.segs) {
          let list = byNode.get(seg.node);
          if (!list) byNode.set(seg.node, (list = []));
          list.push(item);
        }
      }
      ambiguous.priority = 1;
      clear.priority = 0;
      CSS.highlights.set(this.names.ambiguous, ambiguous);
      CSS.highlights.set(this.names.clear, clear);
      CSS.highlights.set(`${this.names.clear}-product`, product);
      CSS.highlights.set(`${this.names.clear}-superintelligence`, superintelligence);
      this.items = items;
      this.byNode = byNode;
      if (this.active && !items.includes(this.active)) this.setActive(null);
    }

    clear() {
      this.render([]);
      this.setActive(null);
    }

    setActive(item) {
      this.active = item;
      if (!supported()) return;
      if (item) {
        const h = new Highlight(item.range);
        h.priority = 2;
        CSS.highlights.set(this.names.active, h);
      } else {
        CSS.highlights.delete(this.names.active);
      }
    }

    // The shown item under viewport point (x, y), or null.
    hitTest(x, y) {
      const node = caretNodeAt(x, y);
      const candidates = (node && this.byNode.get(node)) || [];
      for (const item of candidates) {
        if (rectsContain(item.range.getClientRects(), x, y, 1)) return item;
      }
      // The caret may land in a neighbouring node (e.g. at the edge of an <em>): look at the
      // items of the element under the point.
      const el = document.elementFromPoint(x, y);
      if (el) {
        for (const child of el.childNodes) {
          for (const item of this.byNode.get(child) || []) {
            if (rectsContain(item.range.getClientRects(), x, y, 1)) return item;
          }
        }
      }
      return null;
    }
  }

  NS.highlight = { Highlighter, rangeFor, supported, NAMES };
})();
