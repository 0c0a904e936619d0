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
    .proxy.on { display: block; }
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
      border: 0; background: transparent; color: #8b8b8b; font-size: 18px; line-height: 1; padding: 0 2px;
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
    .col.product h3::before { background: #6b9bc3; }
    .col.si h3::before { background: #c08a3e; }
    .col p { margin: 0; }
    .col.current { box-shadow: inset 0 0 0 1px rgba(0,0,0,0.12); }
    .actions { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
    .actions button {
      font: inherit; font-size: 12px; padding: 4px 10px; border-radius: 4px; cursor: pointer;
      border: 1px solid rgba(0,0,0,0.14); background: #fff; color: #333;
    }
    .actions button:hover { background: #f3f3f3; }
    .actions button.primary { background: #5f9b65; border-color: #5f9b65; color: #fff; }
    .actions button.primary:hover { background: #548a59; }
    .actions button:focus-visible, .close:focus-visible { outline: 2px solid #b8862a; outline-offset: 1px; }
    .status { font-size: 12px; color: #5f9b65; margin-left: 2px; }
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
    .card.dark .actions button.primary { background: #4f8a55; border-color: #4f8a55; color: #fff; }
    .card.dark .close:hover { color: #eee; }
  `;

  const TEMPLATE = `
    <button class="proxy" type="button"></button>
    <div class="card" role="dialog" aria-modal="false" aria-labelledby="al-q" tabindex="-1" hidden>
      <div class="head">
        <span class="kicker"></span>
        <button class="close" type="button" aria-label="Close">×</button>
      </div>
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
      <div class="actions">
        <button class="copy primary" type="button">Copy question</button>
        <button class="dismiss" type="button">Dismiss</button>
        <button class="rule-off" type="button">Turn off this rule</button>
        <span class="status" role="status" aria-live="polite"></span>
      </div>
    </div>
  `;

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
      root.querySelector(".dismiss").addEventListener("click", () => {
        const item = this.item;
        this.close(false);
        if (item) this.handlers.onDismiss(item);
      });
      root.querySelector(".rule-off").addEventListener("click", () => {
        const item = this.item;
        this.close(false);
        if (item) this.handlers.onDisableRule(item);
      });
      this.proxy.addEventListener("click", () => {
        if (this.focusItem) this.open(this.focusItem, { keyboard: true });
      });
      this.proxy.addEventListener("blur", () => {
        if (!this.isOpen()) this.proxy.classList.remove("on");
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

    open(item, { keyboard = false } = {}) {
      this.ensure();
      this.item = item;
      const f = item.finding;
      const root = this.root;
      root.querySelector(".kicker").textContent = SENSE_LABEL[f.sense] || SENSE_LABEL.ambiguous;
      const question = root.querySelector(".question");
      question.textContent = f.question || this.clearNote(f);
      this.fillWhy(f);
      root.querySelector(".col.product").classList.toggle("current", f.sense === "product");
      root.querySelector(".col.si").classList.toggle("current", f.sense === "superintelligence");
      root.querySelector(".copy").hidden = !f.question;
      this.status.textContent = "";
      this.card.classList.toggle("dark", this.dark);
      this.card.hidden = false;
      this.place(item);
      if (keyboard) {
        (f.question ? root.querySelector(".copy") : root.querySelector(".dismiss")).focus({ preventScroll: true });
      } else {
        this.card.focus({ preventScroll: true });
      }
    }

    fillWhy(f) {
      const why = this.root.querySelector(".why");
      why.textContent = "";
      const b = document.createElement("b");
      b.textContent = this.handlers.describeRule(f.rule);
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
      if (restoreFocus && this.focusItem && this.focusItem === item) {
        this.proxy.focus({ preventScroll: true });
      } else {
        this.proxy.classList.remove("on");
      }
      this.handlers.onClose(item);
    }

    // Put the keyboard focus target over a highlight and focus it.
    focusOn(item) {
      this.ensure();
      this.focusItem = item;
      const rects = item.range.getClientRects();
      const r = rects.length ? rects[0] : item.range.getBoundingClientRect();
      const p = this.proxy;
      p.style.top = `${Math.round(r.top + window.scrollY)}px`;
      p.style.left = `${Math.round(r.left + window.scrollX)}px`;
      p.style.width = `${Math.ceil(r.width)}px`;
      p.style.height = `${Math.ceil(r.height)}px`;
      p.setAttribute("aria-label", `“${item.finding.text}”: ${item.finding.sense} use. Press Enter for the question.`);
      p.classList.add("on");
      p.focus({ preventScroll: true });
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
      const buttons = [...this.root.querySelectorAll(".card button")].filter((b) => !b.hidden);
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
