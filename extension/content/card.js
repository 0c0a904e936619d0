// The extension's own UI on the page: one host element outside the page's React tree, with an
// open shadow root holding the card and the keyboard focus target.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});

  const HOST_TAG = "align-lens-ui";

  const SENSE_LABEL = {
    ambiguous: "Which “alignment”?",
    product: "Product alignment",
    superintelligence: "Superintelligence alignment",
    specific: "A specific technical term",
  };

  const STYLE = `
    :host { all: initial; position: absolute; top: 0; left: 0; width: 0; height: 0; z-index: 2147483646; }
    * { box-sizing: border-box; }
    .proxy {
      position: absolute; display: none; margin: 0; padding: 0; border: 0; border-radius: 3px;
      background: transparent; cursor: pointer; color: transparent;
    }
    .proxy.on, .proxy.tab { display: block; }
    .proxy.tab:not(:focus) { pointer-events: none; } /* a Tab stop only: clicks go to the page */
    .proxy:focus { outline: 2px solid #b8862a; outline-offset: 2px; }
    .card {
      position: absolute; width: 416px; max-width: calc(100vw - 16px);
      font: 13px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
      color: #2b2b2b; background: #fff; border: 1px solid rgba(0,0,0,0.09); border-radius: 6px;
      box-shadow: 0 6px 24px rgba(0,0,0,0.12), 0 1px 3px rgba(0,0,0,0.08);
      padding: 12px 14px 12px; text-align: left; letter-spacing: normal;
    }
    .card[hidden] { display: none; }
    .card:focus { outline: none; }
    .head { display: flex; align-items: baseline; justify-content: space-between; gap: 8px; }
    .kicker { font-size: 11px; font-weight: 600; letter-spacing: 0.04em; text-transform: uppercase; color: #8a6a22; }
    .close {
      border: 0; background: transparent; color: #666; font-size: 18px; line-height: 1; padding: 0 2px;
      cursor: pointer; border-radius: 3px;
    }
    .close:hover { color: #333; }
    .question {
      margin: 6px 0 8px; font-family: Georgia, "Times New Roman", serif; font-size: 15.5px; line-height: 1.4;
      color: #1f1f1f;
    }
    .why { margin: 0 0 10px; font-size: 12px; line-height: 1.4; color: #6b6b6b; }
    .why b { font-weight: 600; color: #555; }
    .cols { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin: 0 0 12px; }
    .col { padding: 7px 9px 8px; border-radius: 4px; background: #f6f5f1; font-size: 12px; line-height: 1.4; color: #444; }
    .col h3 { margin: 0 0 3px; font-size: 12px; font-weight: 600; color: #2b2b2b; }
    .col.product h3::before, .col.si h3::before {
      content: ""; display: inline-block; width: 7px; height: 7px; border-radius: 50%; margin-right: 6px; vertical-align: 1px;
    }
    .col.product h3::before { background: #5480b8; }
    .col.si h3::before { background: #a05cc8; }
    .col p { margin: 0; }
    .col.current { box-shadow: inset 0 0 0 1px rgba(0,0,0,0.12); }
    .actions { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
    .actions button {
      font: inherit; font-size: 12px; padding: 4px 10px; border-radius: 4px; cursor: pointer;
      border: 1px solid rgba(0,0,0,0.14); background: #fff; color: #333;
    }
    .actions button:hover { background: #f3f3f3; }
    .actions button.primary { background: #3f7a45; border-color: #3f7a45; color: #fff; }
    .actions button.primary:hover { background: #36693b; }
    .actions button:focus-visible, .close:focus-visible { outline: 2px solid #b8862a; outline-offset: 1px; }
    .status { font-size: 12px; color: #3f7a45; margin-left: 2px; }
    /* the word and its sentence: what a screen reader hears first, two lines at most on screen */
    .quote {
      margin: 4px 0 0; font-size: 12px; line-height: 1.4; color: #595959; font-style: italic;
      display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden;
    }
    .quote b { font-style: normal; font-weight: 600; color: #2b2b2b; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    /* secondary actions: plain text links, apart from the buttons */
    .more { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 14px; margin-top: 9px; padding-top: 8px;
            border-top: 1px solid rgba(0,0,0,0.08); }
    .more button {
      font: inherit; font-size: 12px; padding: 0; border: 0; background: transparent; color: #595959; cursor: pointer;
      text-decoration: underline; text-decoration-color: rgba(0,0,0,0.3); text-underline-offset: 2px;
    }
    .more button:hover { color: #1f1f1f; }
    .more button:focus-visible { outline: 2px solid #b8862a; outline-offset: 1px; }
    .report { margin-top: 8px; }
    .report[hidden] { display: none; }
    .report p { margin: 0 0 5px; font-size: 12px; color: #444; }
    .report .senses { display: flex; flex-wrap: wrap; gap: 5px; }
    .report .senses button {
      font: inherit; font-size: 12px; padding: 3px 8px; border-radius: 10px; cursor: pointer;
      border: 1px solid rgba(0,0,0,0.2); background: #fff; color: #333;
    }
    .report .senses button:hover { background: #f3f3f3; }
    .report .senses button[aria-current="true"] { border-style: dashed; color: #595959; }
    .report .senses button:focus-visible { outline: 2px solid #b8862a; outline-offset: 1px; }
    .keys { margin: 8px 0 0; font-size: 11px; color: #595959; }
    .keys kbd { font: inherit; font-weight: 600; }
    /* Rewrites: only on a mark in the user's own draft (drafts.js) */
    .rewrites { margin: 0 0 12px; padding: 8px 0 0; border-top: 1px solid rgba(0,0,0,0.08); }
    .rewrites[hidden] { display: none; }
    .rewrites h3 { margin: 0 0 6px; font-size: 11px; font-weight: 600; letter-spacing: 0.04em; text-transform: uppercase; color: #55698f; }
    .rewrites ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 5px; }
    .rewrites button {
      font: inherit; font-size: 13px; text-align: left; width: 100%; padding: 5px 9px; border-radius: 4px; cursor: pointer;
      border: 1px solid rgba(0,0,0,0.14); background: #fff; color: #2b2b2b;
    }
    .rewrites button:hover { background: #f3f5fa; }
    .rewrites button:focus-visible { outline: 2px solid #6b7fa8; outline-offset: 1px; }
    .rewrites button::before {
      content: ""; display: inline-block; width: 7px; height: 7px; border-radius: 50%; margin-right: 7px; vertical-align: 1px;
    }
    .rewrites button.product::before { background: #5480b8; }
    .rewrites button.superintelligence::before { background: #a05cc8; }
    .rewrites .around { color: #666; }
    .rewrites b { font-weight: 600; color: #1f1f1f; }
    .card.dark .rewrites { border-top-color: rgba(255,255,255,0.1); }
    .card.dark .rewrites h3 { color: #9fb0d6; }
    .card.dark .rewrites button { background: #2f2f2f; color: #ddd; border-color: rgba(255,255,255,0.16); }
    .card.dark .rewrites button:hover { background: #383838; }
    .card.dark .rewrites .around { color: #aaa; }
    .card.dark .rewrites b { color: #f0f0f0; }
    .dark .card, .card.dark {
      color: #ddd; background: #262626; border-color: rgba(255,255,255,0.1);
      box-shadow: 0 6px 24px rgba(0,0,0,0.5), 0 1px 3px rgba(0,0,0,0.4);
    }
    .card.dark .kicker { color: #d6ad5a; }
    .card.dark .question { color: #eee; }
    .card.dark .why { color: #a3a3a3; }
    .card.dark .why b { color: #c4c4c4; }
    .card.dark .col { background: #313131; color: #c8c8c8; }
    .card.dark .col h3 { color: #eee; }
    .card.dark .col.current { box-shadow: inset 0 0 0 1px rgba(255,255,255,0.16); }
    .card.dark .actions button { background: #2f2f2f; color: #ddd; border-color: rgba(255,255,255,0.16); }
    .card.dark .actions button:hover { background: #383838; }
    .card.dark .actions button.primary { background: #3f7a45; border-color: #3f7a45; color: #fff; }
    .card.dark .close { color: #a3a3a3; }
    .card.dark .status { color: #7fbf86; }
    .card.dark .quote, .card.dark .keys { color: #a8a8a8; }
    .card.dark .quote b { color: #eee; }
    .card.dark .more { border-top-color: rgba(255,255,255,0.1); }
    .card.dark .more button { color: #b5b5b5; text-decoration-color: rgba(255,255,255,0.35); }
    .card.dark .more button:hover { color: #eee; }
    .card.dark .report p { color: #c8c8c8; }
    .card.dark .report .senses button { background: #2f2f2f; color: #ddd; border-color: rgba(255,255,255,0.22); }
    .card.dark .report .senses button[aria-current="true"] { color: #a8a8a8; }
    .card.dark .close:hover { color: #eee; }
  `;

  const TEMPLATE = `
    <button class="proxy" type="button"></button>
    <div class="card" role="dialog" aria-modal="false" aria-labelledby="al-title" aria-describedby="al-s al-q" tabindex="-1" hidden>
      <div class="head">
        <span class="kicker" id="al-title"></span>
        <button class="close" type="button" aria-label="Close">×</button>
      </div>
      <p class="quote" id="al-s"></p>
      <p class="question" id="al-q"></p>
      <p class="why"></p>
      <div class="cols">
        <div class="col product">
          <h3>Product alignment</h3>
          <p>AIs that do roughly what users and developers ask. Tested by experiment (evals, red-teaming, RLHF), where people can still check the answers.</p>
        </div>
        <div class="col si">
          <h3>Superintelligence alignment</h3>
          <p>Minds that stay safe if they become strongly superhuman. Needs theory first, and must hold where people can no longer check.</p>
        </div>
      </div>
      <div class="rewrites" hidden>
        <h3>Rewrite to say which</h3>
        <ul></ul>
      </div>
      <div class="actions">
        <button class="copy primary" type="button">Copy question</button>
        <button class="dismiss" type="button">Dismiss</button>
        <span class="status" role="status" aria-live="polite"></span>
      </div>
      <div class="more">
        <button class="report-open" type="button" aria-expanded="false">Report a wrong mark…</button>
        <button class="rule-off" type="button">Turn off this rule</button>
      </div>
      <div class="report" hidden>
        <p id="al-report-q">Which sense is right here? Kept on this computer (Options → Reports).</p>
        <div class="senses" role="group" aria-labelledby="al-report-q">
          <button type="button" data-sense="ambiguous">Ambiguous</button>
          <button type="button" data-sense="product">Product</button>
          <button type="button" data-sense="superintelligence">Superintelligence</button>
          <button type="button" data-sense="specific">Specific term</button>
          <button type="button" data-sense="none">Not AI alignment</button>
        </div>
      </div>
      <p class="keys">Keyboard: <kbd>Tab</kbd> from the page reaches the marks, <kbd>Tab</kbd> / <kbd>Shift+Tab</kbd> walk them,
        <kbd>Enter</kbd> opens, <kbd>Esc</kbd> closes; <kbd>Alt+Shift+.</kbd> / <kbd>,</kbd> from anywhere.</p>
    </div>
  `;

  // The focused element, looking into open shadow roots (ours included).
  function deepActive() {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el;
  }

  async function copyText(text, fallbackParent) {
    try {
      if (navigator.clipboard && navigator.clipboard.writeText) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (_) { /* fall back below */ }
    try {
      const area = document.createElement("textarea");
      area.value = text;
      area.style.cssText = "position:fixed;top:0;left:0;opacity:0;";
      fallbackParent.appendChild(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      return ok;
    } catch (_) {
      return false;
    }
  }

  // handlers: {onDismiss(item), onDisableRule(item), onClose(), describeRule(ruleId) -> title}
  class PageUI {
    constructor(handlers) {
      this.handlers = handlers;
      this.host = null;
      this.root = null;
      this.item = null;
      this.focusItem = null;
      this.dark = false;
    }

    ensure() {
      if (this.host && this.host.isConnected) return;
      const host = document.createElement(HOST_TAG);
      const root = host.attachShadow({ mode: "open" });
      const style = document.createElement("style");
      style.textContent = STYLE;
      // static markup, parsed inertly and moved in (no page data ever goes through HTML parsing)
      const parsed = new DOMParser().parseFromString(TEMPLATE, "text/html");
      root.append(style, ...parsed.body.childNodes);
      (document.documentElement || document.body).appendChild(host);
      this.host = host;
      this.root = root;
      this.card = root.querySelector(".card");
      this.proxy = root.querySelector(".proxy");
      this.status = root.querySelector(".status");
      root.querySelector(".close").addEventListener("click", () => this.close(true));
      root.querySelector(".copy").addEventListener("click", () => this.copy());
      // e.detail === 0: pressed with the keyboard (the notice's Undo then takes the focus)
      root.querySelector(".dismiss").addEventListener("click", (e) => {
        const item = this.item;
        this.close(false);
        if (item) this.handlers.onDismiss(item, { keyboard: e.detail === 0 });
      });
      root.querySelector(".rule-off").addEventListener("click", (e) => {
        const item = this.item;
        this.close(false);
        if (item) this.handlers.onDisableRule(item, { keyboard: e.detail === 0 });
      });
      const reportOpen = root.querySelector(".report-open");
      reportOpen.addEventListener("click", () => {
        const box = root.querySelector(".report");
        box.hidden = !box.hidden;
        reportOpen.setAttribute("aria-expanded", String(!box.hidden));
        if (!box.hidden) this.place(this.item);
        if (!box.hidden) (box.querySelector("button:not([aria-current=true])") || box.querySelector("button")).focus();
      });
      for (const b of root.querySelectorAll(".report .senses button")) {
        b.addEventListener("click", async () => {
          const item = this.item;
          if (!item || !this.handlers.onReport) return;
          const ok = await this.handlers.onReport(item, b.dataset.sense);
          root.querySelector(".report").hidden = true;
          reportOpen.setAttribute("aria-expanded", "false");
          this.status.textContent = ok ? `Reported as ${b.textContent.toLowerCase()}. Thanks: see Options → Reports.` : "Could not save the report";
          reportOpen.focus({ preventScroll: true });
        });
      }
      this.proxy.addEventListener("click", () => {
        if (this.focusItem) this.open(this.focusItem, { keyboard: true });
      });
      this.proxy.addEventListener("blur", () => {
        if (!this.isOpen()) this.proxy.classList.remove("on");
      });
      // Tab from the page lands here (the host is the document's last element): go to a mark.
      this.proxy.addEventListener("focus", () => {
        if (!this.focusing && this.handlers.onProxyEnter) this.handlers.onProxyEnter();
      });
      // On a mark, Tab / Shift+Tab walk the marks in reading order; past the last (or before
      // the first) the focus leaves as usual.
      this.proxy.addEventListener("keydown", (e) => {
        if (e.key !== "Tab" || e.altKey || e.ctrlKey || e.metaKey || !this.handlers.onProxyTab) return;
        if (this.handlers.onProxyTab(e.shiftKey ? -1 : 1)) e.preventDefault();
      });
      this.card.addEventListener("keydown", (e) => this.trapTab(e));
    }

    isOpen() {
      return !!(this.card && !this.card.hidden);
    }

    // Was this event aimed at our own UI?
    owns(event) {
      return !!(this.host && event.composedPath().includes(this.host));
    }

    setTheme(dark) {
      this.dark = dark;
      if (this.card) this.card.classList.toggle("dark", dark);
    }

    // focus: false leaves the keyboard where it is (a mark in the user's draft: typing goes on).
    open(item, { keyboard = false, focus = true } = {}) {
      this.ensure();
      this.item = item;
      const f = item.finding;
      const root = this.root;
      root.querySelector(".kicker").textContent = SENSE_LABEL[f.sense] || SENSE_LABEL.ambiguous;
      this.fillQuote(item);
      const report = root.querySelector(".report");
      report.hidden = true;
      root.querySelector(".report-open").setAttribute("aria-expanded", "false");
      for (const b of report.querySelectorAll("button")) b.setAttribute("aria-current", String(b.dataset.sense === f.sense));
      // where the focus was, to give it back on close (a mark's proxy, a link, the page)
      if (!this.isOpen()) this.returnFocus = deepActive();
      const question = root.querySelector(".question");
      question.textContent = f.question || this.clearNote(f);
      this.fillWhy(f);
      root.querySelector(".col.product").classList.toggle("current", f.sense === "product");
      root.querySelector(".col.si").classList.toggle("current", f.sense === "superintelligence");
      root.querySelector(".copy").hidden = !f.question;
      this.fillRewrites(item);
      this.status.textContent = "";
      this.card.classList.toggle("dark", this.dark);
      this.card.hidden = false;
      this.place(item);
      if (keyboard) {
        (f.question ? root.querySelector(".copy") : root.querySelector(".dismiss")).focus({ preventScroll: true });
      } else if (focus) {
        this.card.focus({ preventScroll: true });
      }
    }

    // A draft's mark (item.rewrite set by drafts.js) offers the finding's rewrites; choosing one
    // closes the card and hands it to item.rewrite(rewrite), which edits the draft.
    fillRewrites(item) {
      const box = this.root.querySelector(".rewrites");
      const list = box.querySelector("ul");
      list.textContent = "";
      const rewrites = typeof item.rewrite === "function" && Array.isArray(item.finding.rewrites) ? item.finding.rewrites : [];
      for (const rw of rewrites) {
        if (!rw || typeof rw.text !== "string") continue;
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        const sense = rw.sense === "superintelligence" ? "superintelligence" : "product";
        button.className = `rewrite ${sense}`;
        button.dataset.sense = sense;
        button.setAttribute("aria-label", `Rewrite as “${rw.text}” (${sense} alignment)`);
        // the words around the span, so the button shows the draft as it will read
        const text = item.block && typeof item.block.text === "string" ? item.block.text : "";
        const word = document.createElement("b");
        word.textContent = rw.text;
        const around = (s) => {
          const span = document.createElement("span");
          span.className = "around";
          span.textContent = s;
          return span;
        };
        const from = Math.max(0, rw.start - 28);
        const to = Math.min(text.length, rw.end + 28);
        let before = text.slice(from, rw.start);
        let after = text.slice(rw.end, to);
        if (from > 0) before = "…" + before.replace(/^\S*\s/, ""); // whole words only
        if (to < text.length) after = after.replace(/\s\S*$/, "") + "…";
        button.append(around(before), word, around(after));
        button.addEventListener("click", () => {
          this.close(false);
          item.rewrite(rw);
        });
        li.append(button);
        list.append(li);
      }
      box.hidden = !list.childElementCount;
    }

    // "“aligned” in: … the model is aligned …", the word in bold.
    fillQuote(item) {
      const f = item.finding;
      const q = this.root.querySelector(".quote");
      q.textContent = "";
      const sentence = item.sentence();
      const at = sentence.indexOf(f.text);
      const word = document.createElement("b");
      word.textContent = f.text;
      const label = document.createElement("span");
      label.className = "sr";
      label.textContent = `The word “${f.text}” in: `;
      if (at >= 0) q.append(label, "“", sentence.slice(0, at), word, sentence.slice(at + f.text.length), "”");
      else q.append(label, "“", sentence, "”");
      this.root.querySelector(".kicker").setAttribute("aria-label",
        `${this.root.querySelector(".kicker").textContent} “${f.text}”`);
    }

    fillWhy(f) {
      const why = this.root.querySelector(".why");
      why.textContent = "";
      const b = document.createElement("b");
      b.textContent = this.handlers.describeRule(f.rule);
      this.root.querySelector(".rule-off").textContent = `Turn off the rule ‘${b.textContent}’`;
      why.append("Flagged by ", b);
      if (f.explanation) why.append(" · " + f.explanation);
      // at most two lines in the card; the whole explanation on hover
      why.title = `${b.textContent}${f.explanation ? ": " + f.explanation : ""}`;
    }

    refreshWhy(item) {
      if (this.isOpen() && this.item === item) this.fillWhy(item.finding);
    }

    clearNote(f) {
      if (f.sense === "product") return "This use is marked as product alignment: AIs doing what their users ask.";
      if (f.sense === "superintelligence") return "This use is marked as superintelligence alignment: staying safe past human level.";
      return "This use names a specific technical concept.";
    }

    place(item) {
      const rects = item.range.getClientRects();
      const r = rects.length ? rects[0] : item.range.getBoundingClientRect();
      const card = this.card;
      const w = card.offsetWidth;
      const h = card.offsetHeight;
      const vw = document.documentElement.clientWidth || window.innerWidth;
      const vh = window.innerHeight;
      let top = r.bottom + 8;
      if (top + h > vh - 8 && r.top - 8 - h >= 8) top = r.top - 8 - h;
      let left = Math.min(Math.max(8, r.left - 24), vw - w - 8);
      card.style.top = `${Math.round(top + window.scrollY)}px`;
      card.style.left = `${Math.round(Math.max(8, left) + window.scrollX)}px`;
    }

    close(restoreFocus) {
      if (!this.isOpen()) return;
      this.card.hidden = true;
      const item = this.item;
      this.item = null;
      const back = this.returnFocus;
      this.returnFocus = null;
      if (restoreFocus && this.focusItem && this.focusItem === item && back === this.proxy) {
        this.focusing = true;
        this.proxy.focus({ preventScroll: true });
        this.focusing = false;
      } else {
        this.proxy.classList.remove("on");
        // Esc or × gives the focus back where it was before the card opened
        if (restoreFocus && back && back !== this.proxy && back.isConnected && typeof back.focus === "function") {
          back.focus({ preventScroll: true });
        }
      }
      this.handlers.onClose(item);
    }

    // Put the keyboard focus target over a highlight and focus it.
    // position: [n, of] for the screen reader's label.
    focusOn(item, position) {
      this.ensure();
      this.focusItem = item;
      const rects = item.range.getClientRects();
      const r = rects.length ? rects[0] : item.range.getBoundingClientRect();
      const p = this.proxy;
      p.style.top = `${Math.round(r.top + window.scrollY)}px`;
      p.style.left = `${Math.round(r.left + window.scrollX)}px`;
      p.style.width = `${Math.ceil(r.width)}px`;
      p.style.height = `${Math.ceil(r.height)}px`;
      const where = position ? `Alignment Lens mark ${position[0]} of ${position[1]}: ` : "";
      p.setAttribute("aria-label", `${where}“${item.finding.text}”, ${item.finding.sense} use, in: ${item.sentence()} ` +
        "Press Enter for the question; Tab for the next mark.");
      p.classList.add("on");
      this.focusing = true;
      p.focus({ preventScroll: true });
      this.focusing = false;
    }

    // Keep the proxy a Tab stop (over the first mark, invisible) while there are marks.
    setTabTarget(item) {
      if (!item) {
        if (this.proxy) this.proxy.classList.remove("tab");
        return;
      }
      this.ensure();
      const p = this.proxy;
      if (this.root.activeElement !== p) {
        const rects = item.range.getClientRects();
        const r = rects.length ? rects[0] : item.range.getBoundingClientRect();
        p.style.top = `${Math.round(r.top + window.scrollY)}px`;
        p.style.left = `${Math.round(r.left + window.scrollX)}px`;
        p.style.width = `${Math.ceil(r.width)}px`;
        p.style.height = `${Math.ceil(r.height)}px`;
        p.setAttribute("aria-label", "Alignment Lens marks: press Tab or Enter to go to the first");
      }
      p.classList.add("tab");
    }

    async copy() {
      const item = this.item;
      if (!item) return;
      const text = `> ${item.sentence()}\n\n${item.finding.question || ""}`.trim();
      const ok = await copyText(text, this.root);
      this.status.textContent = ok ? "Copied" : "Copy failed";
      if (ok) this.lastCopied = text;
    }

    trapTab(e) {
      if (e.key !== "Tab") return;
      const buttons = [...this.root.querySelectorAll(".card button")].filter((b) => !b.hidden && b.getClientRects().length);
      if (!buttons.length) return;
      const first = buttons[0];
      const last = buttons[buttons.length - 1];
      const current = this.root.activeElement;
      if (e.shiftKey && (current === first || current === this.card)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && current === last) {
        e.preventDefault();
        first.focus();
      }
    }

    destroy() {
      if (this.host) this.host.remove();
      this.host = null;
    }
  }

  NS.card = { PageUI, HOST_TAG, copyText };
})();
