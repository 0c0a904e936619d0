// Wires the content-script modules together: extract -> scan (through the worker to the API) ->
// render -> highlight, with the card, the keyboard and the settings around them. Each module
// does one job; this file only connects them.
(function () {
  "use strict";
  if (globalThis.__alignLensStarted) return; // injected twice (manifest + dynamic): run once
  globalThis.__alignLensStarted = true;

  const S = globalThis.AlignLensSettings;
  const L = globalThis.AlignLens;

  // What the modules share about this page view.
  const page = {
    settings: S.normalize(null),
    active: false,
    items: [],       // shown marks, document order
    counts: L.render.emptyCounts(),
    focusIndex: -1,
  };

  const titles = new L.messages.RuleTitles();
  const status = new L.status.PageStatus(L.messages.send);
  const hl = new L.highlight.Highlighter();
  const ui = new L.card.PageUI({
    describeRule: (id) => titles.describe(id),
    // Dismiss and Turn off leave a notice with Undo (notice.js)
    onDismiss: (item, how) => {
      dismissals.dismiss(item);
      notice.show(`Dismissed “${item.finding.text}” on this page.`, async (undo) => {
        await dismissals.restore(item.key);
        refocus(item.key, undo.keyboard);
      }, how);
    },
    onDisableRule: (item, how) => {
      const rule = item.finding.rule;
      const marks = page.items.filter((it) => it.finding.rule === rule).length;
      L.dismissals.turnOffRule(page.settings, rule, (next) => lifecycle.applySettings(next));
      notice.show(`Turned off the rule ‘${titles.describe(rule)}’ (${marks} mark${marks === 1 ? "" : "s"} here). ` +
        "Options lists it.", async (undo) => {
        await L.dismissals.turnOnRule(page.settings, rule, (next) => lifecycle.applySettings(next));
        refocus(item.key, undo.keyboard);
      }, how);
    },
    onReport: (item, sense) => reports.add(item, sense, L.dismissals.pageKey()),
    onProxyEnter: () => keyboard.enter(),
    onProxyTab: (direction) => keyboard.walk(direction),
    onClose: (item) => {
      hl.setActive(null);
      drafts.cardClosed(item);
    },
  });
  const theme = new L.theme.Theme(ui, status);
  const notice = new L.notice.Notice(ui);
  const reports = new L.reports.Reports((text) => scanner.findings(text) || []);

  // After an Undo: the marks are back once rendered; a keyboard user is put on the one restored.
  async function refocus(key, keyboardUsed) {
    await renderer.render();
    const i = page.items.findIndex((it) => it.key === key);
    if (keyboardUsed && i >= 0) keyboard.moveTo(i);
  }
  const dismissals = new L.dismissals.Dismissals(() => {
    if (page.active) renderer.render();
    drafts.render();
  });
  const skip = L.extract.skipSelector(L.sites.skipSelectors(location.hostname));

  const scanner = new L.scan.Scanner({
    extract: (isCancelled) => L.extract.extractBlocks(document.body, { ownHost: ui.host, skip, isCancelled }),
    send: L.messages.send,
    inputs: () => ({
      serverUrl: page.settings.serverUrl,
      disabledRules: page.settings.disabledRules,
      url: L.dismissals.pageKey(), // the address without its #fragment, which is no new page
      title: document.title,
    }),
    render: () => renderer.render(),
    status,
    isActive: () => page.active,
  });

  const renderer = new L.render.Renderer({
    page, scanner, dismissals, hl, ui,
    onShown: (counts) => {
      theme.ensure();
      ui.setTabTarget(page.items[0] || null);
      status.reportCount(counts.ambiguous);
      status.reportSkipped(scanner.skippedSummary().reduce((n, row) => n + row.count, 0));
    },
  });

  const keyboard = new L.keyboard.KeyboardNav({ page, ui, hl });
  const clicks = new L.clicks.ClickOpener({ page, ui, hl, theme, titles });
  const hover = new L.hover.HoverHint({ page, hl, ui, open: (item) => clicks.open(item, false) });
  // Changes inside what the scan skips (the user's editors above all: every keystroke is one)
  // cannot change what it reads, so they do not wake it.
  const insideSkipped = (node) => {
    const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    return !!(el && el.closest(skip));
  };
  const watcher = new L.watch.Watcher((info) => lifecycle.onPageChange(info), { ignore: insideSkipped });
  const lifecycle = new L.lifecycle.Lifecycle({
    page, scanner, renderer, watcher, listeners: [clicks, keyboard, hover], dismissals, status, ui,
    supported: L.highlight.supported,
  });

  function describeState() {
    return {
      status: status.get(),
      active: page.active,
      supported: L.highlight.supported(),
      host: location.hostname,
      url: location.href,
      counts: page.counts,
      skipped: scanner.skippedSummary(),
      items: page.items.map((it, index) => ({
        index,
        sense: it.finding.sense,
        text: it.finding.text,
        rule: it.finding.rule,
        sentence: it.sentence(),
      })),
    };
  }

  L.messages.listen({
    state: describeState,
    command: (name) => keyboard.command(name),
    reveal: (index) => !!keyboard.moveTo(index),
    serverUp: () => scanner.wake(),
  });

  // The user's own drafts in the page's editors: a checker of its own (Options: "Check my drafts").
  const drafts = new L.drafts.DraftChecker({
    ui, theme, titles, dismissals, skip, editors: L.sites.editorSelectors(location.hostname), send: L.messages.send,
  });

  lifecycle.start();
  drafts.start();

  // Test hook in the isolated world only (page scripts cannot see it).
  globalThis.__alignLens = { page, scanner, keyboard, describeState, ui, hl, drafts, notice, hover, reports };
})();
