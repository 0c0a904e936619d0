// Toolbar popup: counts by sense, server reachability, the site switch, flagged sentences.
(function () {
  "use strict";
  const S = globalThis.AlignLensSettings;
  const $ = (id) => document.getElementById(id);

  async function targetTab() {
    const fromQuery = new URLSearchParams(location.search).get("tab"); // used by tests
    if (fromQuery) {
      try {
        return await chrome.tabs.get(Number(fromQuery));
      } catch (_) { /* fall through */ }
    }
    const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
    return tab;
  }

  async function ask(tabId, message) {
    try {
      return await chrome.tabs.sendMessage(tabId, message);
    } catch (_) {
      return null; // no content script on this page
    }
  }

  async function showServer() {
    let reply = null;
    try {
      reply = await chrome.runtime.sendMessage({ type: "health" });
    } catch (_) { /* worker restarting */ }
    const online = !!(reply && reply.ok);
    const dot = document.querySelector("#server .dot");
    dot.className = "dot " + (online ? "ok" : "bad");
    $("server-text").textContent = online ? `server ok${reply.health && reply.health.version ? " · v" + reply.health.version : ""}` : "server offline";
    $("offline-help").hidden = online;
    document.body.dataset.server = online ? "online" : "offline";
  }

  function renderList(tabId, items) {
    const list = $("list");
    list.textContent = "";
    for (const it of items) {
      const li = document.createElement("li");
      li.tabIndex = 0;
      li.className = it.sense === "ambiguous" ? "ambiguous" : "clear";
      const sentence = it.sentence || it.text;
      const at = sentence.toLowerCase().indexOf(String(it.text).toLowerCase());
      if (at >= 0) {
        const mark = document.createElement("mark");
        mark.textContent = sentence.slice(at, at + it.text.length);
        li.append(sentence.slice(0, at), mark, sentence.slice(at + it.text.length));
      } else {
        li.textContent = sentence;
      }
      const go = () => ask(tabId, { type: "reveal", index: it.index });
      li.addEventListener("click", go);
      li.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
      list.append(li);
    }
    $("list-title").hidden = !items.length;
  }

  // "3 blocks skipped: the server took too long" (blocks this page view will not send again).
  function skippedText(rows) {
    const blocks = (n) => `${n} block${n === 1 ? "" : "s"} skipped`;
    return (rows || []).map((row) => row.reason === "timeout"
      ? `${blocks(row.count)}: the server took too long.`
      : `${blocks(row.count)}: the server did not analyse ${row.count === 1 ? "it" : "them"}${row.detail ? ` (${row.detail})` : ""}.`,
    ).join(" ");
  }

  async function showPage(tab) {
    const settings = await S.load();
    const state = tab ? await ask(tab.id, { type: "state" }) : null;
    let host = state ? state.host : null;
    if (!host && tab && tab.url) {
      try { host = new URL(tab.url).hostname; } catch (_) { host = null; }
    }
    $("site-host").textContent = host || "this site";
    const on = $("site-on");
    $("add-site").hidden = true;
    $("site-switch").hidden = false;
    if (!state) {
      showInactive(tab, host, settings);
      return;
    }
    document.body.dataset.page = state.status;
    on.disabled = false;
    on.checked = state.active;
    on.onchange = async () => {
      const enable = on.checked;
      await S.update((cur) => ({
        disabledHosts: enable ? cur.disabledHosts.filter((h) => h !== host) : [...cur.disabledHosts, host],
      }));
      setTimeout(() => refresh(), 300);
    };
    // "–", not 0, for counts nothing was computed for (the server off or refusing the page)
    const known = state.active && state.countsKnown !== false;
    for (const sense of ["ambiguous", "product", "superintelligence", "specific"]) {
      $(`count-${sense}`).textContent = known ? String(state.counts[sense] || 0) : "–";
    }
    document.body.dataset.counts = known ? "known" : "unknown";
    showProblem(state.active && state.status === "error" ? state.problem || {} : null);
    const note = $("page-note");
    note.hidden = true;
    if (!state.supported) {
      note.hidden = false;
      note.textContent = "This browser lacks the CSS Custom Highlight API, so nothing can be marked.";
    } else if (!state.active) {
      note.hidden = false;
      note.textContent = "Switched off for this site.";
    } else if (state.status === "offline" && known) {
      note.hidden = false;
      note.textContent = "The server stopped answering: text added since is not checked yet.";
    }
    const skipped = state.active ? skippedText(state.skipped) : "";
    $("skipped-note").hidden = !skipped;
    $("skipped-note").textContent = skipped;
    renderList(tab.id, state.items);
  }

  // A server that answers with an error is not a server that is off: say what it said and what to do.
  function problemText(problem) {
    const code = Number(problem.code) || 0;
    const said = problem.message ? `: “${problem.message}”` : "";
    if (code >= 500) {
      return `The server failed on this page (HTTP ${code})${said}. Its terminal (or log) says why; the page tries again by itself.`;
    }
    return `The server refused this page's request${code ? ` (HTTP ${code})` : ""}${said}. ` +
      "Reset the rules in Options (a stored setting it does not accept), or update the server and the extension together.";
  }

  function showProblem(problem) {
    const box = $("error-help");
    box.hidden = !problem;
    box.textContent = "";
    if (!problem) return;
    const options = document.createElement("a");
    options.href = "#";
    options.textContent = "Open Options";
    options.addEventListener("click", (e) => { e.preventDefault(); chrome.runtime.openOptionsPage(); });
    box.append(problemText(problem), " ", options);
  }

  function openWelcome(e) {
    e.preventDefault();
    chrome.tabs.create({ url: chrome.runtime.getURL("extension/welcome/welcome.html") });
  }
  for (const link of document.querySelectorAll(".welcome-link")) link.addEventListener("click", openWelcome);

  $("copy-start").addEventListener("click", async () => {
    const button = $("copy-start");
    try {
      await navigator.clipboard.writeText($("start-command").textContent);
      button.textContent = "Copied";
    } catch (_) {
      button.textContent = "Select and copy";
    }
  });

  // Why a page cannot be read by the extension at all, or null when it can.
  const BROWSER_PAGES = ["chrome:", "chrome-untrusted:", "chrome-search:", "edge:", "brave:", "opera:", "vivaldi:",
    "about:", "chrome-extension:", "moz-extension:", "devtools:", "view-source:"];
  const STORES = ["chromewebstore.google.com", "addons.mozilla.org", "microsoftedge.microsoft.com"];
  function unreadable(url) {
    if (!url) return "This tab's address is hidden from the extension: open this popup from the toolbar button while on the page.";
    let u;
    try { u = new URL(url); } catch (_) { return "This tab has no web address the extension can read."; }
    if (BROWSER_PAGES.includes(u.protocol)) return "This is one of the browser's own pages: no extension can read it.";
    if (u.protocol === "file:") return "Files on this computer (file://) are not read: open the page from its web address.";
    if (u.protocol !== "http:" && u.protocol !== "https:") return `Pages at ${u.protocol} addresses cannot be read.`;
    if (STORES.includes(u.hostname) || (u.hostname === "chrome.google.com" && u.pathname.startsWith("/webstore"))) {
      return "The browser's extension store cannot be read by extensions.";
    }
    if (/\.pdf$/i.test(u.pathname)) return "PDFs open in the browser's PDF viewer, which extensions cannot read.";
    return null;
  }
  globalThis.AlignLensPopup = { unreadable }; // for the tests

  const originsFor = (host) => (host === "127.0.0.1" || host === "localhost"
    ? [`http://${host}/*`] : [`https://${host}/*`, `http://${host}/*`]);

  // Wait (up to 10 s) for the tab's content script to answer and finish its first scan, then
  // show the page.
  async function waitForScript(tab) {
    const settled = (state) => state && !["starting", "scanning"].includes(state.status);
    for (let i = 0; i < 100 && !settled(await ask(tab.id, { type: "state" })); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    refresh();
  }

  // No content script on this tab: say why, and offer the one click that starts it.
  function showInactive(tab, host, settings) {
    const note = $("page-note");
    const add = $("add-site");
    $("site-switch").hidden = true;
    $("skipped-note").hidden = true;
    showProblem(null);
    renderList(null, []);
    note.hidden = false;
    document.body.dataset.page = "inactive";
    const url = tab && tab.url;
    const why = unreadable(url);
    if (why) {
      note.textContent = why;
      document.body.dataset.page = "unreadable";
      return;
    }
    add.hidden = false;
    add.disabled = false;
    if (S.isSiteCovered(settings, host)) {
      // a page open since before the extension (or the site) was added
      note.textContent = "Not started on this page yet.";
      add.textContent = "Start on this page";
      add.onclick = async () => {
        add.disabled = true;
        const files = chrome.runtime.getManifest().content_scripts[0];
        try {
          await chrome.scripting.insertCSS({ target: { tabId: tab.id }, files: files.css || [] });
          await chrome.scripting.executeScript({ target: { tabId: tab.id }, files: files.js });
        } catch (e) {
          note.textContent = "The browser did not let the extension start here; reload the page.";
          return;
        }
        waitForScript(tab);
      };
      return;
    }
    note.textContent = `Not active on ${host}.`;
    add.textContent = `Add ${host}`;
    add.onclick = async () => {
      add.disabled = true;
      // the worker finishes the adding if this popup closes during the prompt (Firefox does that);
      // not awaited: the request below must stay in the click's own turn
      chrome.runtime.sendMessage({ type: "add-site-pending", host }).catch(() => null);
      // asked at the click itself: the browser shows its permission prompt for this site only
      const granted = await chrome.permissions.request({ origins: originsFor(host) }).catch(() => false);
      if (!granted) {
        note.textContent = `Not added: the browser's permission to read ${host} was not given.`;
        add.disabled = false;
        return;
      }
      await S.update((cur) => ({
        extraSites: cur.extraSites.includes(host) ? cur.extraSites : [...cur.extraSites, host],
        disabledHosts: cur.disabledHosts.filter((h) => h !== host),
      }));
      // the worker registers the site's scripts and starts them in its open tabs, this one included
      await chrome.runtime.sendMessage({ type: "sync-sites" }).catch(() => null);
      note.textContent = `Added ${host}; starting…`;
      waitForScript(tab);
    };
  }

  // The keyboard way to the marks, with the user's own bindings (chrome.commands knows them).
  const KEY_NAMES = { Period: ".", Comma: ",", Space: "Space" };
  const keyText = (shortcut) => shortcut.split("+").map((k) => KEY_NAMES[k] || k).join("+");
  async function showKeys() {
    let commands = [];
    try {
      commands = await chrome.commands.getAll();
    } catch (_) { /* no commands API */ }
    const key = (name) => {
      const c = commands.find((x) => x.name === name);
      return c && c.shortcut ? keyText(c.shortcut) : "";
    };
    const next = key("next-highlight");
    const prev = key("previous-highlight");
    const line = $("keys");
    line.textContent = "";
    const kbd = (text) => Object.assign(document.createElement("kbd"), { textContent: text });
    if (next || prev) {
      const keys = [next, prev].filter(Boolean);
      line.append(kbd(keys[0]));
      if (keys[1]) line.append(" / ", kbd(keys[1]));
      line.append(" move between marks; ", kbd("Enter"), " opens one.");
    } else {
      line.append("No keys are set for moving between marks (set them in the browser's extension shortcuts).");
    }
    line.dataset.next = next;
    line.dataset.previous = prev;
  }
  showKeys();

  let currentTab = null;
  async function refresh() {
    await Promise.all([showServer(), showPage(currentTab)]);
    document.body.dataset.ready = "1";
  }

  $("open-options").addEventListener("click", (e) => {
    e.preventDefault();
    chrome.runtime.openOptionsPage();
  });

  targetTab().then((tab) => {
    currentTab = tab;
    refresh();
  });
})();
