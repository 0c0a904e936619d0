// The scan loop: page blocks -> what is not answered yet -> the server (through the worker), in
// request-sized chunks -> answers kept in the client cache -> render. Failures are retried with
// backoff; a block whose request timed out, or that the server did not analyse, is skipped for
// the rest of this page view (never amplify: see retry.js).
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});
  const { ClientCache, requestKey } = NS.clientCache;
  const { Backoff, SkipList } = NS.retry;
  const R = NS.requests;

  class Scanner {
    // extract(isCancelled) -> blocks; send(message) -> reply; inputs() -> the request's inputs
    // besides the blocks ({serverUrl, disabledRules, url, title}); render() after
    // answers; status: status.PageStatus; isActive() -> bool
    constructor({ extract, send, inputs, render, status, isActive }) {
      this.extract = extract;
      this.send = send;
      this.inputs = inputs;
      this.render = render;
      this.status = status;
      this.isActive = isActive;
      this.cache = new ClientCache();
      this.skipped = new SkipList();
      this.backoff = new Backoff();
      this.blocks = [];
      this.scanning = false;
      this.rescan = false;
      this.generation = 0;
      this.retryTimer = null;
      this.problem = null; // the last error answer: {code, message}
    }

    // Whether any of the page's blocks has an answer (its counts mean something; otherwise the
    // popup shows "–", not 0).
    hasAnswers() {
      return this.blocks.some((b) => this.cache.findings(b.text) !== undefined);
    }

    // What the page shows for a block's text (the latest answer, fresh or not).
    findings(text) {
      return this.cache.findings(text);
    }

    skippedSummary() {
      return this.skipped.summarize(this.blocks.map((b) => b.text));
    }

    // A new page view (client-side navigation): blocks skipped on the old one get their chance.
    newPageView() {
      this.skipped.clear();
      this.backoff.reset();
    }

    // Another server: nothing it has done is known yet.
    serverChanged() {
      this.skipped.clear();
      this.backoff.reset();
    }

    // The worker says the server answers again.
    wake() {
      if (this.status.get() !== "offline") return;
      this.backoff.reset();
      clearTimeout(this.retryTimer);
      this.scan();
    }

    stop() {
      this.generation++;
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }

    scheduleRetry(kind) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (document.hidden) {
          // a background tab waits until it is looked at again
          document.addEventListener("visibilitychange", () => this.scan(), { once: true });
          return;
        }
        this.scan();
      }, this.backoff.next(kind));
    }

    async scan() {
      if (!this.isActive()) return;
      if (this.scanning) {
        this.rescan = true;
        return;
      }
      this.scanning = true;
      try {
        do {
          this.rescan = false;
          const gen = ++this.generation;
          const cancelled = () => gen !== this.generation || !this.isActive();
          const blocks = await this.extract(cancelled);
          if (cancelled()) break;
          this.blocks = blocks;
          const inputs = this.inputs();
          const context = R.contextTexts(blocks);
          const key = requestKey(Object.assign({}, inputs, { context }));
          const pending = R.pendingTexts(blocks, { cache: this.cache, key, skipped: this.skipped });
          let outcome = "ok";
          if (pending.length) {
            if (!["ready", "offline", "error"].includes(this.status.get())) this.status.set("scanning");
            outcome = await this.request(pending, context, key, inputs);
            if (!this.isActive()) break;
          }
          await this.render();
          // counts are known once the page was answered (a page without align words needs no answer)
          if (this.status.noteAnswered) this.status.noteAnswered(outcome === "ok" || outcome === "timeout" || this.hasAnswers());
          if (outcome === "ok") {
            this.backoff.reset();
            this.status.set("ready");
          } else if (outcome === "timeout") {
            // Nothing to send again: the blocks that timed out are skipped (the popup says so),
            // and the rest of the page is done.
            this.status.set("ready");
          } else {
            this.status.set(outcome, outcome === "error" ? this.problem : null);
            this.scheduleRetry(outcome);
          }
        } while (this.rescan && this.isActive());
      } finally {
        this.scanning = false;
      }
    }

    // Ask for these texts; "ok" | "offline" | "error" (the server answered with an error) |
    // "timeout" (some request got no answer in time: its blocks are now skipped).
    async request(texts, context, key, inputs) {
      const chunks = R.requestChunks(texts, context);
      const page = { url: inputs.url, title: inputs.title };
      // Big pages: the chunks go out together (the server is threaded) and show as they come back.
      const results = await Promise.all(chunks.map(async (chunk) => {
        const reply = await this.send({ type: "analyze", blocks: chunk.blocks, page });
        if (reply && reply.timedOut) {
          for (const text of chunk.texts.values()) this.skipped.add(text, "timeout");
          return "timeout";
        }
        if (!reply || !reply.ok || !Array.isArray(reply.blocks)) {
          if (reply && reply.offline === false) {
            this.problem = { code: Number(reply.status) || 0, message: String(reply.error || "no answer body") };
            return "error";
          }
          return "offline";
        }
        this.store(chunk, reply, key);
        if (chunks.length > 1 && this.isActive()) await this.render();
        return "ok";
      }));
      for (const r of ["offline", "error", "timeout"]) if (results.includes(r)) return r;
      return "ok";
    }

    store(chunk, reply, key) {
      const notAnalysed = new Map(); // id -> the server's reason
      for (const { ids, reason } of R.unanalysed(reply.warnings)) {
        for (const id of ids) notAnalysed.set(id, reason);
      }
      for (const b of reply.blocks) {
        if (!b || !chunk.texts.has(b.id)) continue; // context blocks, or ids never sent
        const text = chunk.texts.get(b.id);
        if (notAnalysed.has(b.id)) this.skipped.add(text, "server", notAnalysed.get(b.id));
        else this.cache.put(text, key, b.findings);
      }
    }
  }

  NS.scan = { Scanner };
})();
