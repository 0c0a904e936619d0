// A mark shows that it opens: over a highlight the pointer becomes a hand (an attribute on
// <html>, see highlight.css) and a small hint appears above it. Mousemoves are hit-tested at
// most once a frame. A mark inside a link keeps the link's own click; its hint says Alt-click,
// and the hint itself opens the card.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});

  const POINTER_ATTR = "data-align-lens-pointer";
  const SHOW_DELAY_MS = 250;
  const HIDE_DELAY_MS = 350;

  const STYLE = `
    .hint {
      position: absolute; padding: 3px 8px; border-radius: 4px; border: 0; cursor: pointer; white-space: nowrap;
      font: 12px/1.35 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
      color: #fff; background: #2b2b2b; box-shadow: 0 2px 8px rgba(0,0,0,0.2);
    }
    .hint[hidden] { display: none; }
    .hint.dark { color: #1f1f1f; background: #ececec; }
  `;

  class HoverHint {
    // page: {items}; hl: Highlighter; ui: PageUI; open(item): opens its card (clicks.js)
    constructor({ page, hl, ui, open }) {
      Object.assign(this, { page, hl, ui, open });
      this.item = null;       // the mark under the pointer
      this.hintItem = null;   // the mark the hint is for
      this.frame = 0;
      this.last = null;
      this.showTimer = 0;
      this.hideTimer = 0;
      this.onMove = (e) => {
        this.last = e;
        if (!this.frame) this.frame = requestAnimationFrame(() => this.check());
      };
      this.onLeave = () => this.setItem(null);
      // a press anywhere but on the hint puts it away (a click on the mark opens the card)
      this.onDown = (e) => {
        if (!(this.hint && e.composedPath().includes(this.hint))) this.hide();
      };
    }

    attach() {
      document.addEventListener("mousemove", this.onMove, { passive: true, capture: true });
      document.documentElement.addEventListener("mouseleave", this.onLeave);
      document.addEventListener("mousedown", this.onDown, true);
    }

    detach() {
      document.removeEventListener("mousemove", this.onMove, { capture: true });
      document.documentElement.removeEventListener("mouseleave", this.onLeave);
      document.removeEventListener("mousedown", this.onDown, true);
      cancelAnimationFrame(this.frame);
      this.frame = 0;
      this.setItem(null);
      this.hide();
    }

    check() {
      this.frame = 0;
      const e = this.last;
      if (!e) return;
      if (this.ui.owns(e)) {
        // on our hint: keep it; on the card: no hand from the page
        if (!(this.hint && e.composedPath().includes(this.hint))) this.setItem(null);
        else clearTimeout(this.hideTimer);
        return;
      }
      const item = this.page.items.length ? this.hl.hitTest(e.clientX, e.clientY) : null;
      this.setItem(item);
    }

    setItem(item) {
      if (item === this.item) return;
      this.item = item;
      const html = document.documentElement;
      if (item) html.setAttribute(POINTER_ATTR, "");
      else if (html.hasAttribute(POINTER_ATTR)) html.removeAttribute(POINTER_ATTR);
      clearTimeout(this.showTimer);
      clearTimeout(this.hideTimer);
      if (item) {
        if (item === this.hintItem) return;
        this.showTimer = setTimeout(() => this.show(item), this.hintItem ? 0 : SHOW_DELAY_MS);
      } else if (this.hintItem) {
        this.hideTimer = setTimeout(() => this.hide(), HIDE_DELAY_MS);
      }
    }

    ensure() {
      this.ui.ensure();
      if (this.hint && this.hint.isConnected) return;
      const style = document.createElement("style");
      style.textContent = STYLE;
      const hint = document.createElement("button");
      hint.type = "button";
      hint.className = "hint";
      hint.tabIndex = -1; // keyboard users have the marks' own Tab stop
      hint.hidden = true;
      hint.addEventListener("click", (e) => {
        e.stopPropagation();
        const item = this.hintItem;
        this.hide();
        if (item && this.page.items.includes(item)) this.open(item);
      });
      hint.addEventListener("mouseleave", () => {
        if (!this.item) this.hideTimer = setTimeout(() => this.hide(), HIDE_DELAY_MS);
      });
      this.ui.root.append(style, hint);
      this.hint = hint;
    }

    show(item) {
      if (this.ui.isOpen() && this.ui.item === item) return;
      if (!this.page.items.includes(item)) return;
      this.ensure();
      const rects = item.range.getClientRects();
      const r = rects.length ? rects[0] : item.range.getBoundingClientRect();
      const inLink = !!(item.range.startContainer.parentElement &&
        item.range.startContainer.parentElement.closest("a[href]"));
      const hint = this.hint;
      hint.textContent = inLink ? "Alt-click or click here: which alignment?" : "Click: which alignment?";
      hint.classList.toggle("dark", !!this.ui.dark);
      hint.classList.toggle("link", inLink);
      hint.hidden = false;
      const vw = document.documentElement.clientWidth || window.innerWidth;
      const w = hint.offsetWidth;
      const h = hint.offsetHeight;
      // just above the word, touching it, so the pointer can move onto it
      let top = r.top - h - 1;
      if (top < 2) top = r.bottom + 1;
      const left = Math.min(Math.max(4, r.left), Math.max(4, vw - w - 4));
      hint.style.top = `${Math.round(top + window.scrollY)}px`;
      hint.style.left = `${Math.round(left + window.scrollX)}px`;
      this.hintItem = item;
    }

    hide() {
      clearTimeout(this.showTimer);
      clearTimeout(this.hideTimer);
      this.hintItem = null;
      if (this.hint) this.hint.hidden = true;
    }
  }

  NS.hover = { HoverHint, POINTER_ATTR };
})();
