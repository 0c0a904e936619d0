// DOM -> blocks of text with a map from each block's UTF-16 offsets back to its text nodes.
// The page is only read here, never written. The skip list lives here (site-specific parts: sites.js).
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});
  const T = globalThis.AlignLensText;

  // Elements that start a new unit of text; everything else (a, em, span, sup...) joins its parent.
  const BLOCK_TAGS = new Set([
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "html", "li", "main", "ol", "p", "section", "summary", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul",
  ]);

  // Never read: code, math, media, form controls, navigation menus.
  const SKIP_TAGS = new Set([
    "script", "style", "noscript", "template", "code", "pre", "kbd", "samp", "var", "textarea",
    "input", "select", "option", "button", "svg", "math", "mjx-container", "mjx-assistive-mml",
    "iframe", "canvas", "video", "audio", "object", "embed", "nav", "head", "title", "img",
  ]);

  // Editors belong to the user; math is markup. (Not [aria-hidden]: modal dialogs set it on the
  // whole page behind them.) Each site's own selectors (spoilers, its editors) are in sites.js.
  const SKIP_SELECTORS = [
    "[contenteditable]:not([contenteditable='false'])", ".MathJax", ".katex", "[role='navigation']",
    "[role='textbox']",
  ];

  // The selector of everything skipped on a page, given its site's own selectors.
  function skipSelector(siteSelectors) {
    return [...SKIP_SELECTORS, ...(siteSelectors || [])].join(",");
  }

  const DEFAULT_SKIP = skipSelector([]);

  function skipElement(el, ownHost, selector = DEFAULT_SKIP) {
    if (el === ownHost) return true;
    if (SKIP_TAGS.has(el.localName)) return true;
    if (el.hidden) return true;
    if (el.matches(selector)) return true;
    return false;
  }

  function isVisible(el) {
    if (typeof el.checkVisibility === "function") {
      return el.checkVisibility({ visibilityProperty: true });
    }
    return el.getClientRects().length > 0;
  }

  const yieldToPage = () =>
    typeof scheduler !== "undefined" && typeof scheduler.yield === "function"
      ? scheduler.yield()
      : new Promise((resolve) => setTimeout(resolve, 0));

  // Walk root and return visible blocks [{el, text, segs:[{node,start,length,map}]}] in
  // document order. Works in slices of `budgetMs` and yields between them. `skip`: the selector
  // from skipSelector() for this page's site.
  async function extractBlocks(root, options) {
    const opts = Object.assign({ budgetMs: 8, ownHost: null, skip: DEFAULT_SKIP, isCancelled: () => false }, options);
    const blocks = [];
    const byEl = new Map();
    const blockOfParent = new Map();
    if (!root) return blocks;

    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
      acceptNode(node) {
        if (node.nodeType === Node.TEXT_NODE) return NodeFilter.FILTER_ACCEPT;
        if (skipElement(node, opts.ownHost, opts.skip)) return NodeFilter.FILTER_REJECT;
        return node.localName === "br" ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
      },
    });

    function blockFor(node) {
      const parent = node.parentNode;
      let found = blockOfParent.get(parent);
      if (found) return found;
      let el = parent;
      while (el && el !== root && !(el.nodeType === Node.ELEMENT_NODE && BLOCK_TAGS.has(el.localName))) {
        el = el.parentNode;
      }
      found = el || root;
      blockOfParent.set(parent, found);
      return found;
    }

    let lastBlock = null;
    let deadline = performance.now() + opts.budgetMs;
    let node;
    let steps = 0;
    while ((node = walker.nextNode())) {
      const blockEl = blockFor(node);
      let block = byEl.get(blockEl);
      if (!block) {
        block = { el: blockEl, text: "", segs: [] };
        byEl.set(blockEl, block);
        blocks.push(block);
      }
      const endsInSpace = block.text === "" || /[ \n]$/.test(block.text);
      if (node.nodeType === Node.ELEMENT_NODE) {
        // <br>: a line break inside the block
        if (!endsInSpace) block.text += "\n";
      } else {
        // text coming back to a block after a nested block needs a boundary
        if (block !== lastBlock && !endsInSpace) block.text += "\n";
        const folded = T.foldWhitespace(node.data, block.text === "" || /[ \n]$/.test(block.text));
        if (folded.text) {
          block.segs.push({ node, start: block.text.length, length: folded.text.length, map: folded.map });
          block.text += folded.text;
        }
      }
      lastBlock = block;
      if ((++steps & 63) === 0 && performance.now() > deadline) {
        await yieldToPage();
        if (opts.isCancelled()) return [];
        deadline = performance.now() + opts.budgetMs;
      }
    }

    const out = [];
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i];
      if (!b.segs.length || !/\S/.test(b.text)) continue;
      if (!isVisible(b.el)) continue;
      out.push(b);
      if ((i & 127) === 0 && performance.now() > deadline) {
        await yieldToPage();
        if (opts.isCancelled()) return [];
        deadline = performance.now() + opts.budgetMs;
      }
    }
    return out;
  }

  NS.extract = { extractBlocks, skipElement, skipSelector, isVisible, yieldToPage, BLOCK_TAGS, SKIP_TAGS, SKIP_SELECTORS };
})();
