// A click on a mark opens its card; a click anywhere else closes it. Selecting text and
// following links keep working as on any page: a mark inside a link opens with Alt-click (or its
// hover hint, hover.js), a plain click follows the link.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});

  class ClickOpener {
    // page: {items, focusIndex}; theme: theme.Theme; titles: messages.RuleTitles
    constructor({ page, ui, hl, theme, titles }) {
      this.page = page;
      this.ui = ui;
      this.hl = hl;
      this.theme = theme;
      this.titles = titles;
      this.onClick = (event) => this.handle(event);
    }

    attach() {
      document.addEventListener("click", this.onClick, true);
    }

    detach() {
      document.removeEventListener("click", this.onClick, true);
    }

    open(item, keyboard) {
      this.theme.update(); // the page's theme may have been switched since the last look
      this.hl.setActive(item);
      this.page.focusIndex = this.page.items.indexOf(item);
      this.ui.open(item, { keyboard });
      // the card shows the rule id until the titles arrive
      if (!this.titles.known) this.titles.ensure().then(() => this.ui.refreshWhy(item));
    }

    handle(event) {
      if (event.button !== 0) return;
      if (this.ui.owns(event)) return;
      const selection = document.getSelection();
      if (selection && !selection.isCollapsed && String(selection).trim()) return; // selecting text
      const item = this.page.items.length ? this.hl.hitTest(event.clientX, event.clientY) : null;
      const inLink = event.target && event.target.closest && event.target.closest("a[href]");
      if (item && inLink && event.altKey) {
        event.preventDefault(); // Alt-click would otherwise download the link
        event.stopPropagation();
        this.open(item, false);
      } else if (item && !inLink) {
        this.open(item, false);
      } else if (this.ui.isOpen()) {
        this.ui.close(false);
      }
    }
  }

  NS.clicks = { ClickOpener };
})();
