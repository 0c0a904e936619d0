// Light or dark: the card follows the page's own background.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});

  const parseColour = (c) => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?/.exec(c || "");
    if (!m || (m[4] !== undefined && Number(m[4]) < 0.5)) return null;
    return [Number(m[1]), Number(m[2]), Number(m[3])];
  };

  function isDark() {
    const rgb = (document.body && parseColour(getComputedStyle(document.body).backgroundColor)) ||
      parseColour(getComputedStyle(document.documentElement).backgroundColor);
    if (!rgb) return false;
    const lum = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
    return lum < 0.45;
  }

  class Theme {
    constructor(ui, status) {
      this.ui = ui;
      this.status = status;
    }

    // Read the page's theme now (it may have been switched since the last look).
    update() {
      this.ui.setTheme(isDark());
      this.status.attr("theme", this.ui.dark ? "dark" : "light");
    }

    // Read it once, the first time anything is shown (a style read is not free on big pages).
    ensure() {
      if (!this.status.hasAttr("theme")) this.update();
    }
  }

  NS.theme = { Theme, isDark };
})();
