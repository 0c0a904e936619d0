// A <textarea>'s mirror, as grammar checkers draw one: a div in the extension's own shadow root
// (outside the page's tree), laid over the textarea with the same box, font, padding, wrapping
// and scroll, holding the textarea's text (transparent) so the draft's marks can be drawn with the
// Highlight API over the mirror's text nodes. pointer-events: none, so every click, key and
// selection still reaches the textarea, which is never written to. Also the textarea's
// paragraphs (the blocks sent for checking), with fenced code left out.
(function (root) {
  "use strict";
  const NS = (root.AlignLens = root.AlignLens || {});

  // The draft split at blank lines: [{start, end, code}] covering the value in order; a paragraph
  // holds no blank line; separators, fenced code (``` or ~~~ to the matching fence) and
  // indented code blocks are code: true (never sent). UTF-16 offsets into the value.
  function splitDraft(value) {
    // each line's kind: "text", "blank" or "code" (a fence line or inside a fence)
    const lines = [];
    let pos = 0;
    let fence = null;
    for (const line of value.split("\n")) {
      const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line);
      let kind;
      if (fence) {
        kind = "code";
        if (opener && opener[1][0] === fence[0] && opener[1].length >= fence.length && !/\S/.test(line.slice(opener[0].length))) fence = null;
      } else if (opener) {
        kind = "code";
        fence = opener[1];
      } else {
        kind = /\S/.test(line) ? "text" : "blank";
      }
      lines.push({ start: pos, end: pos + line.length, kind });
      pos += line.length + 1;
    }
    // runs of text lines are paragraphs; the rest (blank lines, code, the newlines between) not
    const out = [];
    let at = 0;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].kind !== "text") continue;
      let j = i;
      while (j + 1 < lines.length && lines[j + 1].kind === "text") j++;
      const start = lines[i].start;
      const end = lines[j].end;
      if (start > at) out.push({ start: at, end: start, code: true });
      // a paragraph indented four spaces (or a tab) on every line is an indented code block
      const indented = value.slice(start, end).split("\n").every((line) => /^(?: {4}|\t)/.test(line));
      out.push({ start, end, code: indented });
      at = end;
      i = j;
    }
    if (at < value.length) out.push({ start: at, end: value.length, code: true });
    return out;
  }

  // What is copied from the textarea's computed style so the text wraps the same way.
  const COPIED = [
    "font-family", "font-size", "font-weight", "font-style", "font-variant", "font-stretch",
    "font-feature-settings", "font-kerning", "line-height", "letter-spacing", "word-spacing",
    "text-indent", "text-transform", "text-align", "direction", "tab-size", "padding-top",
    "padding-right", "padding-bottom", "padding-left", "overflow-wrap", "word-break", "hyphens",
  ];

  class Mirror {
    // layer: the shadow root's container the mirror goes in
    constructor(textarea, layer) {
      this.textarea = textarea;
      this.el = document.createElement("div");
      this.el.className = "mirror";
      this.el.setAttribute("aria-hidden", "true");
      layer.append(this.el);
      this.value = null;
      this.parts = [];
      this.blocks = [];
      this.sync();
      this.place();
    }

    // The textarea's text into the mirror, one text node a part; true when it changed.
    sync() {
      const value = this.textarea.value;
      if (value === this.value) return false;
      this.value = value;
      this.parts = splitDraft(value);
      const nodes = [];
      const blocks = [];
      for (const p of this.parts) {
        const node = document.createTextNode(value.slice(p.start, p.end));
        nodes.push(node);
        if (!p.code && /\S/.test(node.data)) {
          blocks.push({
            el: this.textarea, mirror: this, text: node.data, valueStart: p.start,
            segs: [{ node, start: 0, length: node.data.length, map: null }],
          });
        }
      }
      // a trailing newline makes one more line in a textarea: keep the heights equal
      nodes.push(document.createTextNode("\u200b"));
      this.el.replaceChildren(...nodes);
      this.blocks = blocks;
      return true;
    }

    // Same box as the textarea's content-and-padding box, same style, same scroll.
    place() {
      const ta = this.textarea;
      const cs = getComputedStyle(ta);
      const style = this.el.style;
      if (!ta.isConnected || cs.display === "none" || cs.visibility === "hidden") {
        style.display = "none";
        return;
      }
      const r = ta.getBoundingClientRect();
      const left = r.left + window.scrollX + ta.clientLeft;
      const top = r.top + window.scrollY + ta.clientTop;
      style.display = "block";
      for (const prop of COPIED) style.setProperty(prop, cs.getPropertyValue(prop));
      style.left = `${left}px`;
      style.top = `${top}px`;
      style.width = `${ta.clientWidth}px`;
      style.height = `${ta.clientHeight}px`;
      style.whiteSpace = cs.whiteSpace === "pre" ? "pre" : "pre-wrap";
      if (cs.overflowWrap === "normal" && cs.wordWrap !== "break-word" && style.whiteSpace !== "pre") style.overflowWrap = "break-word";
      this.scroll();
    }

    scroll() {
      this.el.scrollTop = this.textarea.scrollTop;
      this.el.scrollLeft = this.textarea.scrollLeft;
    }

    // The part of the draft holding value offset pos: the block, or null.
    blockAt(pos) {
      return this.blocks.find((b) => pos >= b.valueStart && pos <= b.valueStart + b.text.length) || null;
    }

    remove() {
      this.el.remove();
    }
  }

  // The shadow root the mirrors live in: one host element on <html>, outside <body> (where the
  // reading scan and the page's own scripts look).
  const HOST_TAG = "align-lens-drafts";
  const STYLE = `
    :host { all: initial; position: absolute; top: 0; left: 0; width: 0; height: 0; z-index: 2147483645; pointer-events: none; }
    .mirror {
      position: absolute; box-sizing: border-box; margin: 0; border: 0; overflow: hidden;
      color: transparent; background: transparent; pointer-events: none; user-select: none;
    }
    ::highlight(align-draft) {
      text-decoration-line: underline; text-decoration-style: wavy; text-decoration-thickness: 1.5px;
      text-decoration-color: rgba(196, 136, 36, 0.95); text-underline-offset: 3px;
      background-color: rgba(222, 168, 58, 0.10);
    }
    ::highlight(align-draft-active) { background-color: rgba(222, 168, 58, 0.28); }
  `;

  class MirrorLayer {
    constructor() {
      this.host = null;
      this.layer = null;
    }

    ensure() {
      if (this.host && this.host.isConnected) return this.layer;
      this.host = document.createElement(HOST_TAG);
      const shadow = this.host.attachShadow({ mode: "open" });
      const style = document.createElement("style");
      style.textContent = STYLE;
      this.layer = document.createElement("div");
      shadow.append(style, this.layer);
      (document.documentElement || document.body).appendChild(this.host);
      return this.layer;
    }

    remove() {
      if (this.host) this.host.remove();
      this.host = null;
      this.layer = null;
    }
  }

  NS.draftMirror = { Mirror, MirrorLayer, splitDraft, HOST_TAG };
  if (typeof module !== "undefined" && module.exports) module.exports = NS.draftMirror;
})(typeof globalThis !== "undefined" ? globalThis : this);
