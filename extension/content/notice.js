// A short notice at the bottom of the viewport, in the card's shadow root: what Dismiss or Turn
// off just did, with Undo. It stays 10 s (longer while the pointer or the focus is on it).
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});

  const STYLE = `
    .notice {
      position: fixed; left: 50%; bottom: 20px; transform: translateX(-50%); max-width: calc(100vw - 16px);
      display: flex; align-items: center; gap: 12px; padding: 9px 10px 9px 14px; border-radius: 6px;
      font: 13px/1.4 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
      color: #f2f2f2; background: #2b2b2b; box-shadow: 0 4px 18px rgba(0,0,0,0.25);
    }
    .notice:empty, .notice[hidden] { display: none; }
    .notice.dark { color: #1f1f1f; background: #ececec; box-shadow: 0 4px 18px rgba(0,0,0,0.5); }
    .notice .text { overflow-wrap: anywhere; }
    .notice button {
      font: inherit; font-weight: 600; padding: 3px 10px; border-radius: 4px; cursor: pointer; flex: none;
      border: 1px solid rgba(255,255,255,0.35); background: transparent; color: #ffd27a;
    }
    .notice.dark button { border-color: rgba(0,0,0,0.3); color: #6b4a00; }
    .notice button:hover { background: rgba(255,255,255,0.1); }
    .notice.dark button:hover { background: rgba(0,0,0,0.06); }
    .notice button:focus-visible { outline: 2px solid #b8862a; outline-offset: 2px; }
    .notice .x, .notice.dark .x { font-weight: normal; border-color: transparent; color: inherit; padding: 3px 6px; }
  `;

  const SHOW_MS = 10000;

  class Notice {
    constructor(ui) {
      this.ui = ui;
      this.el = null;
      this.timer = 0;
      this.undo = null;
    }

    ensure() {
      this.ui.ensure();
      if (this.el && this.el.isConnected) return;
      const style = document.createElement("style");
      style.textContent = STYLE;
      // role=status: announced when its text changes, without taking the focus
      const el = document.createElement("div");
      el.className = "notice";
      el.setAttribute("role", "status");
      el.hidden = true;
      this.ui.root.append(style, el);
      this.el = el;
      el.addEventListener("mouseenter", () => this.hold());
      el.addEventListener("mouseleave", () => this.later());
      el.addEventListener("focusin", () => this.hold());
      el.addEventListener("focusout", () => this.later());
    }

    // text: what happened; undo(): puts it back. keyboard: move the focus to Undo.
    show(text, undo, { keyboard = false } = {}) {
      this.ensure();
      const el = this.el;
      el.classList.toggle("dark", !!this.ui.dark);
      el.textContent = "";
      const span = document.createElement("span");
      span.className = "text";
      span.textContent = text;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "undo";
      button.textContent = "Undo";
      const close = document.createElement("button");
      close.type = "button";
      close.className = "x";
      close.textContent = "×";
      close.setAttribute("aria-label", "Close this notice");
      this.undo = undo;
      button.addEventListener("click", (e) => {
        const fn = this.undo;
        this.hide();
        if (fn) fn({ keyboard: e.detail === 0 });
      });
      close.addEventListener("click", () => this.hide());
      el.append(span, button, close);
      el.hidden = false;
      if (keyboard) button.focus({ preventScroll: true });
      this.later();
    }

    hold() {
      clearTimeout(this.timer);
    }

    later() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        if (this.el && this.el.matches(":hover, :focus-within")) return;
        this.hide();
      }, SHOW_MS);
    }

    isShown() {
      return !!(this.el && !this.el.hidden);
    }

    hide() {
      clearTimeout(this.timer);
      this.undo = null;
      if (this.el) {
        this.el.hidden = true;
        this.el.textContent = "";
      }
    }
  }

  NS.notice = { Notice };
})();
