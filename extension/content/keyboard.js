// Moving between marks without a mouse: next / previous (the manifest's commands, sent by the
// worker), Tab into the marks and Tab / Shift+Tab along them (the card's proxy), reveal one from
// the popup's list, Escape to close the card.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});

  class KeyboardNav {
    // page: {items, focusIndex}; ui: card.PageUI; hl: highlight.Highlighter
    constructor({ page, ui, hl }) {
      this.page = page;
      this.ui = ui;
      this.hl = hl;
      this.shiftTab = false;
      this.onKeyDown = (event) => {
        if (event.key === "Tab") this.shiftTab = event.shiftKey; // which way the focus came in
        if (event.key === "Escape" && this.ui.isOpen()) {
          event.stopPropagation();
          this.ui.close(true);
          // back on the mark's proxy: that mark stays the marked one
          if (this.ui.focusItem && this.ui.root && this.ui.root.activeElement === this.ui.proxy) this.hl.setActive(this.ui.focusItem);
        }
      };
    }

    attach() {
      document.addEventListener("keydown", this.onKeyDown, true);
    }

    detach() {
      document.removeEventListener("keydown", this.onKeyDown, true);
    }

    scrollToItem(item) {
      const r = item.range.getBoundingClientRect();
      if (r.top < 40 || r.bottom > window.innerHeight - 40) {
        const el = item.range.startContainer.parentElement;
        if (el) el.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
      }
    }

    // Focus the mark at index (wrapping around); returns it, or null when there are none.
    moveTo(index) {
      const items = this.page.items;
      if (!items.length) return null;
      const n = items.length;
      const i = ((index % n) + n) % n;
      const item = items[i];
      this.page.focusIndex = i;
      this.ui.close(false);
      this.scrollToItem(item);
      this.hl.setActive(item);
      this.ui.focusOn(item, [i + 1, n]);
      return item;
    }

    // The focus came to the proxy from the page: Tab goes to the first mark, Shift+Tab (coming
    // back from past the page's end) to the last.
    enter() {
      const n = this.page.items.length;
      if (!n) return null;
      return this.moveTo(this.shiftTab ? n - 1 : 0);
    }

    // Tab / Shift+Tab on a mark: the next / previous one, or false at either end (the focus
    // then leaves the marks as usual).
    walk(direction) {
      const n = this.page.items.length;
      const i = this.page.focusIndex + direction;
      if (!n || i < 0 || i >= n) return false;
      this.moveTo(i);
      return true;
    }

    // direction: 1 next, -1 previous.
    step(direction) {
      const items = this.page.items;
      if (!items.length) return null;
      let i = this.page.focusIndex;
      if (i < 0 || i >= items.length) {
        // start from the first mark below the top of the viewport
        i = items.findIndex((it) => it.range.getBoundingClientRect().top >= 0);
        if (i < 0) i = 0;
        if (direction < 0) i -= 1;
        return this.moveTo(i);
      }
      return this.moveTo(i + direction);
    }

    command(name) {
      if (name === "next-highlight") this.step(1);
      else if (name === "previous-highlight") this.step(-1);
      return this.page.focusIndex;
    }
  }

  NS.keyboard = { KeyboardNav };
})();
