// Service worker (Chrome) / event page (Firefox): the only place that talks to the local API.
// Also keeps the toolbar badge, the keyboard commands and the dynamically added sites.
/* global AlignLensSettings */
if (typeof AlignLensSettings === "undefined" && typeof importScripts === "function") {
  importScripts("/extension/settings.js");
}
const S = AlignLensSettings;

const TIMEOUT_MS = 8000;
// Tests may shorten (never lengthen) every request's timeout by storing a number of ms under this
// key in chrome.storage.local; nothing in the extension's UI writes it.
const TEST_TIMEOUT_KEY = "test:requestTimeoutMs";
// The content scripts of an added site are the manifest's own: one list.
const MANIFEST_SCRIPTS = chrome.runtime.getManifest().content_scripts[0];
const CONTENT_JS = MANIFEST_SCRIPTS.js;
const CONTENT_CSS = MANIFEST_SCRIPTS.css || [];
const SITE_SCRIPT_PREFIX = "site:";

let serverState = { online: null, checkedAt: 0, error: null, health: null };
let rulesCache = null; // {serverUrl, rules, at}
const inFlight = new Set(); // AbortControllers of requests under way (aborted when the URL changes)

// ---- API client -------------------------------------------------------------------------

let testTimeoutMs;
const testTimeoutLoaded = chrome.storage.local.get(TEST_TIMEOUT_KEY)
  .then((got) => { if (testTimeoutMs === undefined) testTimeoutMs = got[TEST_TIMEOUT_KEY]; })
  .catch(() => {});

async function timeoutFor(ms) {
  await testTimeoutLoaded;
  const n = Number(testTimeoutMs);
  return Number.isFinite(n) && n > 0 ? Math.min(ms, n) : ms;
}

async function apiFetch(path, { method = "GET", body = null, timeoutMs: wanted = TIMEOUT_MS, serverUrl = null } = {}) {
  const base = serverUrl || (await S.load()).serverUrl;
  const timeoutMs = await timeoutFor(wanted);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort("timeout"), timeoutMs);
  inFlight.add(controller);
  try {
    const response = await fetch(base + path, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: controller.signal,
      cache: "no-store",
      credentials: "omit",
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      const error = (data && data.error) || `HTTP ${response.status}`;
      return { ok: false, offline: false, status: response.status, error };
    }
    return { ok: true, status: response.status, data };
  } catch (e) {
    const reason = controller.signal.aborted ? controller.signal.reason : null;
    if (reason === "server-changed") return { ok: false, offline: true, cancelled: true, error: "server URL changed" };
    if (reason === "timeout") return { ok: false, offline: true, timedOut: true, error: `no answer within ${timeoutMs / 1000} s` };
    return { ok: false, offline: true, error: "server not reachable" };
  } finally {
    clearTimeout(timer);
    inFlight.delete(controller);
  }
}

function noteServer(result) {
  if (result.cancelled) return; // says nothing about either server
  const wasOnline = serverState.online;
  serverState = {
    online: result.ok || !result.offline,
    checkedAt: Date.now(),
    error: result.ok ? null : result.error,
    health: serverState.health,
  };
  if (serverState.online && wasOnline === false) wakeTabs();
}

// Tell pages that were waiting for the server to come back.
async function wakeTabs() {
  try {
    const tabs = await chrome.tabs.query({});
    for (const tab of tabs) {
      chrome.tabs.sendMessage(tab.id, { type: "server-up" }).catch(() => {});
    }
  } catch (_) { /* no tabs API in this context */ }
}

async function analyze(blocks, page) {
  const settings = await S.load();
  const known = await rules().catch(() => null);
  // The rules request already found the server unreachable: do not spend another timeout on it.
  if (known && !known.ok && known.offline) return { ok: false, offline: true, error: known.error };
  const body = { blocks, disabled_rules: S.disabledRuleIds(settings, known && known.ok ? known.rules : null) };
  if (page && typeof page.url === "string") {
    body.page = { url: page.url, title: typeof page.title === "string" ? page.title : "" };
  }
  let result = await apiFetch("/api/v1/analyze", { method: "POST", body, serverUrl: settings.serverUrl });
  if (!result.ok && result.offline && !result.timedOut && !result.cancelled) {
    // One quick second try when nothing was answered at all: the server may be restarting. Never
    // after a timeout: the server may still be working on this very text.
    await new Promise((r) => setTimeout(r, 300));
    result = await apiFetch("/api/v1/analyze", { method: "POST", body, serverUrl: settings.serverUrl });
  }
  noteServer(result);
  if (!result.ok) {
    return { ok: false, offline: !!result.offline, timedOut: !!result.timedOut, status: result.status || 0, error: result.error };
  }
  const got = result.data && Array.isArray(result.data.blocks) ? result.data.blocks : [];
  return { ok: true, blocks: got, took_ms: result.data.took_ms, warnings: result.data.warnings || [] };
}

async function health(serverUrl) {
  const result = await apiFetch("/api/v1/health", { serverUrl, timeoutMs: 4000 });
  if (!serverUrl) noteServer(result);
  if (result.ok) serverState.health = result.data;
  return result.ok
    ? { ok: true, health: result.data }
    : { ok: false, offline: !!result.offline, error: result.error };
}

async function rules() {
  const settings = await S.load();
  if (rulesCache && rulesCache.serverUrl === settings.serverUrl && Date.now() - rulesCache.at < 60000) {
    return { ok: true, rules: rulesCache.rules };
  }
  const result = await apiFetch("/api/v1/rules", { serverUrl: settings.serverUrl });
  noteServer(result);
  if (!result.ok) return { ok: false, offline: !!result.offline, error: result.error };
  const list = result.data && Array.isArray(result.data.rules) ? result.data.rules : [];
  rulesCache = { serverUrl: settings.serverUrl, rules: list, at: Date.now() };
  return { ok: true, rules: list };
}

// ---- badge ------------------------------------------------------------------------------

// The command that starts the server, from the repository's folder (the popup and the welcome
// page show it too).
const START_COMMAND = "pip install -r requirements.txt && python -m server";

// What the badge says for a page: a count (amber), "off" on grey when the server does not answer,
// "!" on red when it answers with an error. Pure, for the tests too.
function badgeFor(count, status, problem) {
  if (status === "offline") {
    return { text: "off", color: "#6b6b6b",
      title: `Alignment Lens: the server is not running. Start it in the repository folder: ${START_COMMAND}` };
  }
  if (status === "error") {
    const p = problem || {};
    const what = p.code >= 500 ? "the server failed on this page" : "the server refused the request";
    return { text: "!", color: "#b0463c",
      title: `Alignment Lens: ${what}${p.code ? ` (HTTP ${p.code})` : ""}: ${p.message || "no message"}. Open the popup for what to do.` };
  }
  const n = Number(count) || 0;
  return { text: n > 0 ? String(n > 999 ? "999+" : n) : "", color: "#9a7328",
    title: `Alignment Lens: ${n} ambiguous “alignment”${n === 1 ? "" : "s"}` };
}

function setBadge(tabId, count, status, problem) {
  if (tabId == null) return;
  const badge = badgeFor(count, status, problem);
  chrome.action.setBadgeText({ tabId, text: badge.text }).catch(() => {});
  chrome.action.setBadgeBackgroundColor({ tabId, color: badge.color }).catch(() => {});
  if (chrome.action.setBadgeTextColor) chrome.action.setBadgeTextColor({ tabId, color: "#ffffff" }).catch(() => {});
  chrome.action.setTitle({ tabId, title: badge.title }).catch(() => {});
}

// ---- sites added by the user -------------------------------------------------------------

function originsFor(host) {
  const loopback = host === "127.0.0.1" || host === "localhost";
  return loopback ? [`http://${host}/*`] : [`https://${host}/*`, `http://${host}/*`];
}

async function grantedOrigins(host) {
  const out = [];
  for (const origin of originsFor(host)) {
    try {
      if (await chrome.permissions.contains({ origins: [origin] })) out.push(origin);
    } catch (_) { /* invalid pattern */ }
  }
  return out;
}

// Make the registered content scripts match settings.extraSites (with granted permissions).
async function syncSites() {
  const settings = await S.load();
  let registered = [];
  try {
    registered = await chrome.scripting.getRegisteredContentScripts();
  } catch (_) {
    return [];
  }
  const wanted = new Map();
  for (const host of settings.extraSites) {
    const origins = await grantedOrigins(host);
    if (origins.length) wanted.set(SITE_SCRIPT_PREFIX + host, origins);
  }
  const stale = registered.filter((s) => s.id.startsWith(SITE_SCRIPT_PREFIX) &&
    (!wanted.has(s.id) || JSON.stringify(s.matches) !== JSON.stringify(wanted.get(s.id)) ||
     JSON.stringify(s.js) !== JSON.stringify(CONTENT_JS)));
  if (stale.length) await chrome.scripting.unregisterContentScripts({ ids: stale.map((s) => s.id) });
  const keep = new Set(registered.map((s) => s.id).filter((id) => !stale.some((s) => s.id === id)));
  const added = [];
  const toAdd = [...wanted].filter(([id]) => !keep.has(id)).map(([id, matches]) => ({
    id, matches, js: CONTENT_JS, css: CONTENT_CSS, runAt: "document_idle", persistAcrossSessions: true,
  }));
  if (toAdd.length) {
    await chrome.scripting.registerContentScripts(toAdd);
    added.push(...toAdd);
  }
  // Pages of a newly added site that are already open get the scripts now, without a reload.
  for (const script of added) {
    try {
      const tabs = await chrome.tabs.query({ url: script.matches });
      for (const tab of tabs) {
        await chrome.scripting.insertCSS({ target: { tabId: tab.id }, files: CONTENT_CSS }).catch(() => {});
        await chrome.scripting.executeScript({ target: { tabId: tab.id }, files: CONTENT_JS }).catch(() => {});
      }
    } catch (_) { /* tabs we may not touch */ }
  }
  return [...wanted.keys()];
}

// ---- keyboard commands --------------------------------------------------------------------

async function handleCommand(command, tab) {
  let target = tab;
  if (!target || target.id == null) {
    const [active] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    target = active;
  }
  if (!target) return null;
  return chrome.tabs.sendMessage(target.id, { type: "command", command }).catch(() => null);
}

// ---- wiring -------------------------------------------------------------------------------

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!message || typeof message.type !== "string") return false;
  const tabId = sender.tab ? sender.tab.id : null;
  let work;
  switch (message.type) {
    case "analyze":
      work = analyze(Array.isArray(message.blocks) ? message.blocks : [], message.page);
      break;
    case "count":
      setBadge(tabId, Number(message.count) || 0, message.status,
        message.problem && typeof message.problem === "object" ? message.problem : null);
      work = Promise.resolve({ ok: true });
      break;
    case "health":
      work = health(message.serverUrl ? S.normalizeServerUrl(message.serverUrl) : null);
      break;
    case "rules":
      work = rules();
      break;
    case "server-state":
      work = Promise.resolve({ ok: true, server: serverState });
      break;
    case "sync-sites":
      work = syncSites().then((ids) => ({ ok: true, ids }));
      break;
    case "add-site-pending":
      // the popup is about to ask for this site's permission (see permissions.onAdded below)
      pendingSite = S.normalizeHost(message.host);
      work = Promise.resolve({ ok: true });
      break;
    default:
      return false;
  }
  work.then(sendResponse, (e) => sendResponse({ ok: false, error: String(e && e.message ? e.message : e) }));
  return true;
});

// A site the popup asked permission for is added here when the permission arrives: Firefox closes
// the popup while its permission prompt shows, so the popup may never see the answer.
let pendingSite = null;
if (chrome.permissions.onAdded) {
  chrome.permissions.onAdded.addListener(async (granted) => {
    const host = pendingSite;
    if (!host || !(granted.origins || []).some((o) => originsFor(host).includes(o))) return;
    pendingSite = null;
    await S.update((cur) => ({
      extraSites: cur.extraSites.includes(host) ? cur.extraSites : [...cur.extraSites, host],
      disabledHosts: cur.disabledHosts.filter((h) => h !== host),
    })).catch(() => {});
    syncSites().catch(() => {});
  });
}

chrome.commands.onCommand.addListener((command, tab) => {
  handleCommand(command, tab);
});

chrome.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && changes[TEST_TIMEOUT_KEY]) testTimeoutMs = changes[TEST_TIMEOUT_KEY].newValue ?? null;
  if (area === "local" && changes[S.STORAGE_KEY]) {
    const before = S.normalize(changes[S.STORAGE_KEY].oldValue);
    const after = S.normalize(changes[S.STORAGE_KEY].newValue);
    if (JSON.stringify(before.extraSites) !== JSON.stringify(after.extraSites)) syncSites().catch(() => {});
    if (before.serverUrl !== after.serverUrl) {
      rulesCache = null;
      // requests to the old server are moot: end them now, so pages ask the new one at once
      for (const c of inFlight) c.abort("server-changed");
    }
  }
});

// The welcome page opens once, on first install: never on an update or a browser restart. A
// profile that has shown it once does not show it again (Chromium reports "install" at every start
// for an extension loaded with --load-extension); removing the extension clears that memory.
const WELCOME_PAGE = "extension/welcome/welcome.html";
const WELCOMED_KEY = "welcomeShown";
async function onInstalled(details) {
  if (details && details.reason === "install") {
    const got = await chrome.storage.local.get(WELCOMED_KEY).catch(() => ({}));
    if (!got[WELCOMED_KEY]) {
      await chrome.storage.local.set({ [WELCOMED_KEY]: Date.now() }).catch(() => {});
      await chrome.tabs.create({ url: chrome.runtime.getURL(WELCOME_PAGE) }).catch(() => {});
    }
  }
  await S.load().then(() => syncSites()).catch(() => {});
}
chrome.runtime.onInstalled.addListener(onInstalled);
chrome.runtime.onStartup.addListener(() => {
  syncSites().catch(() => {});
});
