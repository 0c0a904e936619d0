// What the page reports about itself: data attributes on <html> (the window the tests and the
// bench have into this isolated world) and the toolbar badge, through the worker.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});

  // The badge tells these states apart from a count (see background.js setBadge).
  const LOUD = new Set(["offline", "error"]);

  class PageStatus {
    constructor(send) {
      this.send = send;
      this.value = "starting";
      this.problem = null; // {code, message} while the server answers with an error
      this.count = 0;
      this.answered = false; // some block of the page has the server's answer (counts mean something)
      this.html = document.documentElement;
      NS.status.page = this; // one a page: messages.js adds what it knows to the popup's state
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
    // problem: for "error", what the server said ({code: HTTP status, message: its JSON error}),
    // kept on <html> as data-align-lens-error="400: ..." so a page is never blank without a word.
    set(status, problem = null) {
      const was = this.value;
      const wasProblem = this.problem;
      this.value = status;
      this.problem = status === "error" ? problem : null;
      this.attr("status", status);
      if (this.problem) this.attr("error", `${this.problem.code || ""}: ${this.problem.message || ""}`);
      else if (this.hasAttr("error")) this.html.removeAttribute("data-align-lens-error");
      // The badge follows a change into or out of "offline" / "error" at once, not at the next render.
      const problemChanged = JSON.stringify(wasProblem) !== JSON.stringify(this.problem);
      if ((was !== status && (LOUD.has(was) || LOUD.has(status))) || problemChanged) this.badge();
    }

    get() {
      return this.value;
    }

    getProblem() {
      return this.problem;
    }

    noteAnswered(answered) {
      this.answered = !!answered;
    }

    // For the popup, besides main.js's state: why the page is blank and whether counts are known.
    describe() {
      return { problem: this.problem, countsKnown: this.answered };
    }

    badge() {
      this.send({ type: "count", count: this.count, status: this.value, problem: this.problem });
    }

    // The ambiguous uses shown, on <html> and on the badge.
    reportCount(count) {
      this.count = count;
      this.attr("count", count);
      this.badge();
    }

    // Blocks not analysed on this page view (see retry.js); only written once there are some.
    reportSkipped(count) {
      if (count || this.hasAttr("skipped")) this.attr("skipped", count);
    }
  }

  NS.status = { PageStatus, page: null };
})();
