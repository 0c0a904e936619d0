// What the page reports about itself: data attributes on <html> (the window the tests and the
// bench have into this isolated world) and the toolbar badge, through the worker.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});

  class PageStatus {
    constructor(send) {
      this.send = send;
      this.value = "starting";
      this.html = document.documentElement;
    }

    // Only write when the value changes: attribute writes on <html> are not free on big pages.
    attr(name, value) {
      const attr = `data-align-lens-${name}`;
      if (this.html.getAttribute(attr) !== String(value)) this.html.setAttribute(attr, String(value));
    }

    hasAttr(name) {
      return this.html.hasAttribute(`data-align-lens-${name}`);
    }

    // "starting" | "scanning" | "ready" | "offline" | "error" | "off" | "unsupported"
    set(status) {
      this.value = status;
      this.attr("status", status);
    }

    get() {
      return this.value;
    }

    // The ambiguous uses shown, on <html> and on the badge.
    reportCount(count) {
      this.attr("count", count);
      this.send({ type: "count", count, status: this.value });
    }

    // Blocks not analysed on this page view (see retry.js); only written once there are some.
    reportSkipped(count) {
      if (count || this.hasAttr("skipped")) this.attr("skipped", count);
    }
  }

  NS.status = { PageStatus };
})();
