// Wires extract -> service worker (API) -> highlight -> card, and keeps them current.
(function () {
  "use strict";
  if (globalThis.__alignLensStarted) return; // injected twice (manifest + dynamic): run once
  globalThis.__alignLensStarted = true;

  const S = globalThis.AlignLensSettings;
  const T = globalThis.AlignLensText;
  const { extract, highlight, card, watch } = globalThis.AlignLens;

  const html = document.documentElement;
  const CACHE_LIMIT = 20000;
  const REQUEST_BLOCKS = 5000;        // the API takes up to 5000 blocks a request
  const REQUEST_CHARS = 1500000;      // and 5 MB a body (UTF-8 can take 3 bytes a character)
  const RETRY_MIN_MS = 500;
  const RETRY_MAX_MS = 8000;

  const state = {
    settings: S.normalize(null),
    active: false,
    status: "starting",
    cache: new Map(),      // block text -> findings (as the server returned them)
    cacheEpoch: 0,         // bumped when the cache is cleared: older answers are dropped
    dismissed: new Set(),  // keys of uses dismissed on this page
    blocks: [],
    items: [],             // shown highlights, document order
    counts: { ambiguous: 0, product: 0, superintelligence: 0, specific: 0 },
    scanning: false,
    rescan: false,
    generation: 0,
    retryTimer: null,
    retryDelay: RETRY_MIN_MS,
    rules: null,
    focusIndex: -1,
  };

  // Only write when the value changes: attribute writes on <html> are not free on big pages.
  const setAttr = (name, value) => {
    const attr = `data-align-lens-${name}`;
    if (html.getAttribute(attr) !== String(value)) html.setAttribute(attr, String(value));
  };

  function setStatus(status) {
    state.status = status;
    setAttr("status", status);
  }

  // Messages to the service worker never throw into the page (it may be restarting or gone).
  async function send(message) {
    try {
      return await chrome.runtime.sendMessage(message);
    } catch (_) {
      return null;
    }
  }

  const pageKey = () => location.origin + location.pathname + location.search;
  const dismissKey = () => `dismissed:${pageKey()}`;
  const host = () => location.hostname;

  async function loadDismissed() {
    try {
      const key = dismissKey();
      const got = await chrome.storage.local.get(key);
      state.dismissed = new Set(Array.isArray(got[key]) ? got[key] : []);
    } catch (_) {
      state.dismissed = new Set();
    }
  }

  function isDark() {
    const parse = (c) => {
      const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?/.exec(c || "");
      if (!m || (m[4] !== undefined && Number(m[4]) < 0.5)) return null;
      return [Number(m[1]), Number(m[2]), Number(m[3])];
    };
    const rgb = (document.body && parse(getComputedStyle(document.body).backgroundColor)) ||
      parse(getComputedStyle(html).backgroundColor);
    if (!rgb) return false;
    const lum = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
    return lum < 0.45;
  }

  const ui = new card.PageUI({
    describeRule: (id) => (state.rules && state.rules[id] && state.rules[id].title) || id,
    onDismiss: (item) => dismiss(item),
    onDisableRule: (item) => disableRule(item.finding.rule),
    onClose: () => hl.setActive(null),
  });
  const hl = new highlight.Highlighter();
  const watcher = new watch.Watcher((info) => onPageChange(info));

  // ---- scanning -------------------------------------------------------------------------

  function scheduleRetry() {
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(() => {
      state.retryTimer = null;
      if (document.hidden) {
        // a background tab waits until it is looked at again
        document.addEventListener("visibilitychange", () => scan(), { once: true });
        return;
      }
      scan();
    }, state.retryDelay);
    state.retryDelay = Math.min(RETRY_MAX_MS, state.retryDelay * 2);
  }

  // Only text with an align-family word can hold a finding. The server judges a bare use by the
  // page's topic, so each request also carries some of the page's other text as context.
  const ALIGN_WORD = /align/i;
  const CONTEXT_CHARS = 12000;

  function contextTexts(blocks) {
    const out = [];
    let size = 0;
    for (const b of blocks) {
      if (ALIGN_WORD.test(b.text)) continue;
      if (size + b.text.length > CONTEXT_CHARS) break;
      out.push(b.text);
      size += b.text.length;
    }
    return out;
  }

  async function requestFindings(texts, context) {
    const blocks = texts.map((text, i) => ({ id: `b${i}`, text }));
    const chunks = T.chunkBlocks(blocks, REQUEST_BLOCKS - context.length, REQUEST_CHARS - CONTEXT_CHARS);
    const page = { url: location.href, title: document.title };
    const contextBlocks = context.map((text, i) => ({ id: `c${i}`, text }));
    const epoch = state.cacheEpoch;
    // Big pages: the chunks go out together (the server is threaded) and show as they come back.
    const results = await Promise.all(chunks.map(async (chunk) => {
      const reply = await send({ type: "analyze", blocks: chunk.concat(contextBlocks), page });
      if (!reply || !reply.ok || !Array.isArray(reply.blocks)) {
        return reply && reply.offline === false ? "error" : "offline";
      }
      if (epoch !== state.cacheEpoch) return "stale"; // asked under settings that changed since
      const byId = new Map(chunk.map((b) => [b.id, b.text]));
      for (const b of reply.blocks) {
        if (byId.has(b.id)) state.cache.set(byId.get(b.id), Array.isArray(b.findings) ? b.findings : []);
      }
      if (chunks.length > 1 && state.active) await render();
      return "ok";
    }));
    // "ok" | "stale" (ask again) | "offline" | "error" (the server answered with an error)
    for (const r of ["offline", "error", "stale"]) if (results.includes(r)) return r;
    return "ok";
  }

  function clearCache() {
    state.cache.clear();
    state.cacheEpoch++;
  }

  async function scan() {
    if (!state.active) return;
    if (state.scanning) {
      state.rescan = true;
      return;
    }
    state.scanning = true;
    try {
      do {
        state.rescan = false;
        const gen = ++state.generation;
        const blocks = await extract.extractBlocks(document.body, {
          ownHost: ui.host,
          isCancelled: () => gen !== state.generation || !state.active,
        });
        if (gen !== state.generation || !state.active) break;
        state.blocks = blocks;
        if (state.cache.size > CACHE_LIMIT) clearCache();
        const missing = [];
        for (const b of blocks) {
          if (state.cache.has(b.text)) continue;
          if (ALIGN_WORD.test(b.text)) missing.push(b.text);
          else state.cache.set(b.text, []);
        }
        let outcome = "ok";
        if (missing.length) {
          if (!["ready", "offline", "error"].includes(state.status)) setStatus("scanning");
          outcome = await requestFindings([...new Set(missing)], contextTexts(blocks));
          if (!state.active) break;
        }
        await render();
        if (outcome === "ok") {
          state.retryDelay = RETRY_MIN_MS;
          setStatus("ready");
        } else if (outcome === "stale") {
          state.rescan = true;
        } else {
          setStatus(outcome);
          scheduleRetry();
        }
      } while (state.rescan && state.active);
    } finally {
      state.scanning = false;
    }
  }

  // Build highlights from cached findings of the current blocks (in slices) and show them.
  async function render() {
    const counts = { ambiguous: 0, product: 0, superintelligence: 0, specific: 0 };
    const items = [];
    const disabled = new Set(state.settings.disabledRules);
    let deadline = performance.now() + 8;
    for (let i = 0; i < state.blocks.length; i++) {
      const block = state.blocks[i];
      const findings = state.cache.get(block.text);
      if (!findings || !findings.length) continue;
      let blockHash = null;
      for (const f of findings) {
        if (disabled.has(f.rule)) continue;
        blockHash = blockHash || T.hashText(block.text);
        const key = `${blockHash}:${f.start}:${f.end}`;
        if (state.dismissed.has(key)) continue;
        const clear = f.sense === "product" || f.sense === "superintelligence";
        const shown = f.sense === "ambiguous" || (clear && state.settings.showClear);
        if (!shown) {
          if (f.sense in counts) counts[f.sense]++;
          continue;
        }
        const range = highlight.rangeFor(block, f.start, f.end, f.text);
        if (!range) continue;
        if (f.sense in counts) counts[f.sense]++;
        let sentence = null;
        items.push({
          block, finding: f, range, key, clear: f.sense !== "ambiguous",
          sentence: () => (sentence = sentence || T.sentenceAround(block.text, f.start, f.end)),
        });
      }
      if ((i & 63) === 0 && performance.now() > deadline) {
        await extract.yieldToPage();
        if (!state.active) return;
        deadline = performance.now() + 8;
      }
    }
    if (!state.active) return;
    if (!sameItems(state.items, items)) {
      // Swapping highlights makes the browser repaint them all: skip it when nothing changed.
      const active = hl.active;
      hl.render(items);
      if (active) {
        const same = items.find((it) => it.key === active.key && it.block.el === active.block.el);
        if (same) {
          hl.setActive(same);
          if (ui.item === active) ui.item = same;
          if (ui.focusItem === active) ui.focusItem = same;
        } else if (ui.isOpen()) {
          ui.close(false);
        }
      }
      state.items = items;
    }
    state.counts = counts;
    if (!html.hasAttribute("data-align-lens-theme")) updateTheme();
    setAttr("count", counts.ambiguous);
    send({ type: "count", count: counts.ambiguous, status: state.status });
  }

  function updateTheme() {
    ui.setTheme(isDark());
    setAttr("theme", ui.dark ? "dark" : "light");
  }

  // Same uses over the same text nodes at the same offsets?
  function sameItems(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const x = a[i].range;
      const y = b[i].range;
      if (a[i].key !== b[i].key || a[i].clear !== b[i].clear || x.startContainer !== y.startContainer ||
          x.endContainer !== y.endContainer || x.startOffset !== y.startOffset || x.endOffset !== y.endOffset) {
        return false;
      }
    }
    return true;
  }

  function onPageChange({ urlChanged }) {
    if (!state.active) return;
    if (urlChanged) {
      ui.close(false);
      state.focusIndex = -1;
      loadDismissed().then(scan);
      return;
    }
    scan();
  }

  // ---- user actions ---------------------------------------------------------------------

  async function dismiss(item) {
    state.dismissed.add(item.key);
    const key = dismissKey();
    try {
      await chrome.storage.local.set({ [key]: [...state.dismissed] });
    } catch (_) { /* still dismissed for this visit */ }
    render();
  }

  async function disableRule(ruleId) {
    state.settings = S.normalize(
      Object.assign({}, state.settings, { disabledRules: [...state.settings.disabledRules, ruleId] })
    );
    render();
    try {
      await S.update((cur) => ({ disabledRules: [...cur.disabledRules, ruleId] }));
    } catch (_) { /* the storage event would have re-rendered anyway */ }
  }

  async function ensureRules() {
    if (state.rules) return;
    const reply = await send({ type: "rules" });
    if (reply && reply.ok) {
      state.rules = Object.fromEntries(reply.rules.map((r) => [r.id, r]));
    }
  }

  function openItem(item, keyboard) {
    updateTheme(); // the page's theme may have been switched since the last look
    hl.setActive(item);
    state.focusIndex = state.items.indexOf(item);
    ui.open(item, { keyboard });
    // rule titles come from GET /rules; the card shows the rule id until they arrive
    if (!state.rules) ensureRules().then(() => ui.refreshWhy(item));
  }

  function onClick(event) {
    if (!state.active || event.button !== 0) return;
    if (ui.owns(event)) return;
    const selection = document.getSelection();
    if (selection && !selection.isCollapsed && String(selection).trim()) return; // selecting text
    const item = state.items.length ? hl.hitTest(event.clientX, event.clientY) : null;
    const inLink = event.target && event.target.closest && event.target.closest("a[href]");
    if (item && !inLink) {
      openItem(item, false);
    } else if (ui.isOpen()) {
      ui.close(false);
    }
  }

  function onKeyDown(event) {
    if (event.key === "Escape" && ui.isOpen()) {
      event.stopPropagation();
      ui.close(true);
    }
  }

  function scrollToItem(item) {
    const r = item.range.getBoundingClientRect();
    if (r.top < 40 || r.bottom > window.innerHeight - 40) {
      const el = item.range.startContainer.parentElement;
      if (el) el.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
    }
  }

  function moveTo(index) {
    if (!state.items.length) return null;
    const n = state.items.length;
    const i = ((index % n) + n) % n;
    const item = state.items[i];
    state.focusIndex = i;
    ui.close(false);
    scrollToItem(item);
    hl.setActive(item);
    ui.focusOn(item);
    return item;
  }

  function step(direction) {
    if (!state.items.length) return null;
    let i = state.focusIndex;
    if (i < 0 || i >= state.items.length) {
      // start from the first highlight below the top of the viewport
      i = state.items.findIndex((it) => it.range.getBoundingClientRect().top >= 0);
      if (i < 0) i = 0;
      if (direction < 0) i -= 1;
      return moveTo(i);
    }
    return moveTo(i + direction);
  }

  function describeState() {
    return {
      status: state.status,
      active: state.active,
      supported: highlight.supported(),
      host: host(),
      url: location.href,
      counts: state.counts,
      items: state.items.map((it, index) => ({
        index,
        sense: it.finding.sense,
        text: it.finding.text,
        rule: it.finding.rule,
        sentence: it.sentence(),
      })),
    };
  }

  chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
    if (!message || typeof message.type !== "string") return false;
    if (message.type === "state") {
      sendResponse(describeState());
    } else if (message.type === "command") {
      if (message.command === "next-highlight") step(1);
      else if (message.command === "previous-highlight") step(-1);
      sendResponse({ ok: true, index: state.focusIndex });
    } else if (message.type === "reveal") {
      const item = moveTo(Number(message.index) || 0);
      sendResponse({ ok: !!item });
    } else if (message.type === "server-up") {
      if (state.status === "offline") {
        state.retryDelay = RETRY_MIN_MS;
        clearTimeout(state.retryTimer);
        scan();
      }
      sendResponse({ ok: true });
    } else {
      return false;
    }
    return false;
  });

  // ---- on / off and settings ------------------------------------------------------------

  function activate() {
    if (state.active) return;
    state.active = true;
    if (!highlight.supported()) {
      setStatus("unsupported");
      return;
    }
    watcher.start();
    document.addEventListener("click", onClick, true);
    document.addEventListener("keydown", onKeyDown, true);
    setStatus("scanning");
    // Start after the page's first frame, so its own first layout is not counted in our work.
    // (Hidden tabs get no animation frames: the timer covers them.)
    const afterFrame = new Promise((resolve) => {
      requestAnimationFrame(() => setTimeout(resolve, 0));
      setTimeout(resolve, 200);
    });
    Promise.all([loadDismissed(), afterFrame]).then(scan);
  }

  function deactivate() {
    if (!state.active) return;
    state.active = false;
    state.generation++;
    watcher.stop();
    document.removeEventListener("click", onClick, true);
    document.removeEventListener("keydown", onKeyDown, true);
    clearTimeout(state.retryTimer);
    ui.close(false);
    hl.clear();
    state.items = [];
    state.counts = { ambiguous: 0, product: 0, superintelligence: 0, specific: 0 };
    setStatus("off");
    setAttr("count", 0);
    send({ type: "count", count: 0, status: "off" });
  }

  function applySettings(next) {
    const prev = state.settings;
    state.settings = next;
    const on = S.hostEnabled(next, host());
    if (!on) {
      deactivate();
      return;
    }
    if (!state.active) {
      activate();
      return;
    }
    const rulesChanged = JSON.stringify([prev.disabledRules, prev.enabledRules]) !==
      JSON.stringify([next.disabledRules, next.enabledRules]);
    if (rulesChanged || prev.serverUrl !== next.serverUrl) {
      // show the change at once from what we have, then ask the server again
      render().then(() => {
        clearCache();
        scan();
      });
    } else if (prev.showClear !== next.showClear) {
      render();
    }
  }

  chrome.storage.onChanged.addListener((changes, area) => {
    if (area !== "local") return;
    if (changes[S.STORAGE_KEY]) applySettings(S.normalize(changes[S.STORAGE_KEY].newValue));
    const dk = dismissKey();
    if (changes[dk]) {
      const v = changes[dk].newValue;
      state.dismissed = new Set(Array.isArray(v) ? v : []);
      if (state.active) render();
    }
  });

  S.load()
    .catch(() => S.normalize(null))
    .then((settings) => {
      state.settings = settings;
      if (S.hostEnabled(settings, host())) activate();
      else {
        setStatus("off");
        setAttr("count", 0);
      }
    });

  // Test hook in the isolated world only (page scripts cannot see it).
  globalThis.__alignLens = { state, step, moveTo, describeState, ui, hl };
})();
