// The extension in a real Firefox: Debian's firefox-esr, driven by puppeteer-core over WebDriver
// BiDi, with the repo root installed as a temporary add-on and the real API server
// (`python -m server`) on a free port. A LessWrong-like fixture is served as
// https://www.lesswrong.com/posts/... by request interception, so the manifest's own content
// script runs on it exactly as it would on the site.
//
// Run: node --test tests/firefox/   (tests/browser/test_firefox.py runs it under pytest)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..", "..");
// The add-on installed: the repo root unless a developer points elsewhere (e.g. an export of a commit).
const EXTENSION_DIR = process.env.ALIGN_LENS_EXTENSION_DIR || REPO;
const FIREFOX = process.env.ALIGN_LENS_FIREFOX || "/usr/bin/firefox-esr";
const PYTHON = process.env.ALIGN_LENS_PYTHON || "python3";
const SERVER_DIR = process.env.ALIGN_LENS_SERVER_DIR || REPO;
const FIXTURE = readFileSync(join(REPO, "tests", "fixtures", "lw_post.html"), "utf8");
const MANIFEST = JSON.parse(readFileSync(join(EXTENSION_DIR, "manifest.json"), "utf8"));
const ADDON_ID = MANIFEST.browser_specific_settings.gecko.id;
const LW = "https://www.lesswrong.com";
const POST = `${LW}/posts/fx1/two-kinds-of-progress`;

// The same words tests/browser/test_browser_highlight.py expects in Chromium, in document order.
const EXPECTED_AMBIGUOUS = [
  ["p-progress", "alignment"],   // "real progress on alignment"
  ["p-status", "aligned"],       // "the model is aligned"
  ["p-problem", "alignment"],    // "the alignment problem"
  ["p-split", "alignment"],      // one word over two text nodes (<strong>align</strong>ment)
  ["p-emoji", "alignment"],      // after an emoji (a UTF-16 surrogate pair)
  ["p-quote", "aligned"],        // inside a blockquote
  ["li-research", "Alignment"],  // a list item
  ["c1-p", "alignment"],         // a comment body
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// true when the promise settles within ms; its timer never outlives it (so node can exit)
function within(promise, ms) {
  let timer;
  const expired = new Promise((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  return Promise.race([promise.then(() => true, () => true), expired]).finally(() => clearTimeout(timer));
}

// ---- the real API server ------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

class ApiServer {
  constructor(port) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.proc = null;
    this.log = "";
  }

  async healthy() {
    try {
      const r = await fetch(`${this.url}/api/v1/health`, { signal: AbortSignal.timeout(1000) });
      return r.ok;
    } catch {
      return false;
    }
  }

  async start(timeoutMs = 45000) { // spaCy and the rules load in 1-2 s, but a loaded 2-core machine has taken 17 s
    if (await this.healthy()) throw new Error(`something already answers on ${this.url}`);
    this.proc = spawn(PYTHON, ["-m", "server", "--port", String(this.port)], {
      cwd: SERVER_DIR, stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk) => { this.log = (this.log + chunk).slice(-4000); };
    this.proc.stdout.on("data", keep);
    this.proc.stderr.on("data", keep);
    const exited = new Promise((resolve) => this.proc.once("exit", resolve));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`server exited with ${this.proc.exitCode}:\n${this.log}`);
      if (await this.healthy()) return this;
      await within(exited, 100);
    }
    await this.stop();
    throw new Error(`server not healthy within ${timeoutMs} ms:\n${this.log}`);
  }

  async stop() {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    if (await within(exited, 5000)) return;
    proc.kill("SIGKILL");
    await within(exited, 5000);
  }

  async get(path) {
    const r = await fetch(this.url + path, { signal: AbortSignal.timeout(5000) });
    assert.equal(r.status, 200, `GET ${path}`);
    return r.json();
  }

  async post(path, body) {
    const r = await fetch(this.url + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(r.status, 200, `POST ${path}`);
    return r.json();
  }
}

// ---- waiting: every wait is bounded and says what it waited for ---------------------------

async function until(check, { timeout = 5000, what = String(check) } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (last value ${JSON.stringify(value)})`);
    }
    await sleep(100);
  }
}

// fn runs in the page; the wait ends when it returns something truthy.
const waitFor = (page, fn, arg, { timeout = 5000, what = String(fn) } = {}) =>
  until(() => page.evaluate(fn, arg), { timeout, what });

// What the content script shows the page: its status and count on <html>, its CSS highlights.
function lensState(name = "align-ambiguous") {
  const html = document.documentElement;
  const h = CSS.highlights.get(name);
  return {
    status: html.getAttribute("data-align-lens-status"),
    count: html.getAttribute("data-align-lens-count"),
    marks: h ? [...h].map((r) => {
      const el = r.startContainer.parentElement && r.startContainer.parentElement.closest("[id]");
      return [el ? el.id : null, r.toString()];
    }) : [],
  };
}

const waitReady = (page, minCount, timeout = 5000) => waitFor(page, (n) => {
  const html = document.documentElement;
  return html.getAttribute("data-align-lens-status") === "ready" &&
    Number(html.getAttribute("data-align-lens-count")) >= n;
}, minCount, { timeout, what: `status "ready" and at least ${minCount} marks` });

// The open card, read from the content script's shadow root (null while closed).
function cardState() {
  const host = document.querySelector("align-lens-ui");
  const card = host && host.shadowRoot && host.shadowRoot.querySelector('[role="dialog"]');
  if (!card || card.hidden) return null;
  const box = card.getBoundingClientRect();
  const text = (sel) => (card.querySelector(sel) || {}).textContent || "";
  return {
    visible: box.width > 0 && box.height > 0 && card.checkVisibility(),
    question: text(".question"),
    why: text(".why"),
    text: card.textContent,
    active: (CSS.highlights.get("align-active") || { size: 0 }).size,
  };
}

// Viewport centre of the mark in element #id (scrolled into view first).
function markPoint(id) {
  document.getElementById(id).scrollIntoView({ block: "center" });
  for (const r of CSS.highlights.get("align-ambiguous") || []) {
    const el = r.startContainer.parentElement && r.startContainer.parentElement.closest("[id]");
    if (el && el.id === id) {
      const q = r.getClientRects()[0];
      return { x: q.left + q.width / 2, y: q.top + q.height / 2 };
    }
  }
  return null;
}

// ---- the browser --------------------------------------------------------------------------

let browser = null;
let api = null;
const uuid = randomUUID(); // the moz-extension:// host Firefox gives the add-on (pinned below)
const extUrl = (path) => `moz-extension://${uuid}/${path}`;
const OPTIONS = "extension/options/options.html";

function watchProblems(page) {
  page.problems = [];
  page.on("console", (m) => {
    if (["error", "warn", "warning", "assert"].includes(m.type())) page.problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => page.problems.push(`pageerror: ${e && e.message ? e.message : e}`));
  return page;
}

// WebDriver BiDi refuses moz-extension:// navigations unless Firefox runs with
// --remote-allow-system-access; even then puppeteer's goto() waits for navigation events
// Firefox does not send for extension pages, so the standard BiDi command is sent directly
// and waits for the page's load itself.
async function openExtensionPage(path) {
  const page = watchProblems(await browser.newPage());
  const context = page.mainFrame()._id;
  assert.ok(context, "puppeteer page has no BiDi browsing context id");
  const url = extUrl(path);
  await browser.connection.send("browsingContext.navigate", { context, url, wait: "complete" });
  await waitFor(page, (u) => location.href === u && document.readyState === "complete", url,
    { what: `${url} loaded` });
  return page;
}

// A tab on https://www.lesswrong.com/... whose documents come from the fixture. Only the page's
// own requests are intercepted (the add-on's calls to the API server are not); nothing else
// leaves the machine.
async function openLessWrong(url = POST) {
  const page = watchProblems(await browser.newPage());
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    const u = new URL(req.url());
    if (u.origin === LW && u.pathname.startsWith("/posts/")) {
      req.respond({ status: 200, contentType: "text/html; charset=utf-8", body: FIXTURE });
    } else if (u.origin === LW) {
      req.respond({ status: 404, contentType: "text/plain", body: "not found" });
    } else if (u.protocol === "data:") {
      req.continue();
    } else {
      req.abort();
    }
  });
  await page.goto(url, { waitUntil: "load", timeout: 10000 });
  return page;
}

before(async () => {
  assert.ok(existsSync(FIREFOX), `${FIREFOX} is missing: bash tests/run.sh installs Debian's firefox-esr`);
  const { default: puppeteer } = await import("puppeteer-core").catch(() => {
    throw new Error("puppeteer-core is missing: bash tests/run.sh installs it (or: cd tests/firefox && npm ci)");
  });
  const started = Date.now();
  api = new ApiServer(await freePort());
  const launching = puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX,
    headless: true,
    args: ["--remote-allow-system-access"],
    // pin the add-on's moz-extension:// UUID (Firefox picks a random one per profile)
    extraPrefsFirefox: { "extensions.webextensions.uuids": JSON.stringify({ [ADDON_ID]: uuid }) },
    // Firefox usually starts in 3-5 s, but on a loaded 2-core machine one start took over 20 s
    timeout: 45000,
    protocolTimeout: 15000,
  });
  // both take a few seconds on 2 cores: in parallel (after() stops whichever came up)
  await Promise.all([launching.then((b) => { browser = b; }), api.start()]);
  const installed = await browser.installExtension(EXTENSION_DIR); // a temporary add-on, as about:debugging does
  assert.equal(installed, ADDON_ID);

  // Point the add-on at this test's server through its own storage (as the Chromium tests do).
  const options = await openExtensionPage(OPTIONS);
  await options.evaluate(async (serverUrl) => {
    const cur = (await chrome.storage.local.get("settings")).settings || {};
    await chrome.storage.local.set({ settings: Object.assign({}, cur, { serverUrl }) });
  }, api.url);
  await options.close();
  console.log(`# Firefox ${await browser.version()} and the server up in ${Date.now() - started} ms`);
}, { timeout: 90000 });

after(async () => {
  if (browser && !(await within(browser.close(), 10000))) {
    const proc = browser.process();
    if (proc) proc.kill("SIGKILL");
  }
  if (api) await api.stop();
});

// Never leave a server behind, whatever happens.
process.on("exit", () => { if (api && api.proc) api.proc.kill("SIGKILL"); });

// The tab id of the page at this URL, found from an extension page: the add-on has no "tabs"
// permission, so it asks every tab's content script where it is (as the popup asks for the state).
async function tabIdOf(extPage, url) {
  return until(() => extPage.evaluate(async (u) => {
    for (const tab of await chrome.tabs.query({})) {
      const state = await chrome.tabs.sendMessage(tab.id, { type: "state" }).catch(() => null);
      if (state && state.url === u) return tab.id;
    }
    return null;
  }, url), { what: `the tab of ${url}` });
}

const badgeOf = (extPage, tabId) => extPage.evaluate(async (id) => ({
  text: await chrome.action.getBadgeText({ tabId: id }),
  color: await chrome.action.getBadgeBackgroundColor({ tabId: id }),
}), tabId);

// The popup as it shows for this tab (popup.html?tab=ID, as the Chromium tests open it).
async function popupState(tabId) {
  const popup = await openExtensionPage(`extension/popup/popup.html?tab=${tabId}`);
  try {
    await waitFor(popup, () => document.body.dataset.ready === "1", undefined, { what: "the popup to fill in" });
    return await popup.evaluate(() => ({
      server: document.body.dataset.server,
      counts: ["ambiguous", "product", "superintelligence", "specific"].map((s) => document.getElementById(`count-${s}`).textContent),
      offlineHelp: document.getElementById("offline-help").hidden ? null : document.getElementById("offline-help").textContent,
    }));
  } finally {
    await popup.close();
  }
}

// ---- the checks -----------------------------------------------------------------------------

test("installing opens the welcome page, whose live check finds the server", { timeout: 20000 }, async () => {
  // The add-on's own pages open in tabs, seen from another of its pages (puppeteer does not list
  // a tab the add-on opened itself).
  const ext = await openExtensionPage(OPTIONS);
  try {
    const url = extUrl("extension/welcome/welcome.html");
    const seen = await until(() => ext.evaluate((u) => {
      const view = chrome.extension.getViews({ type: "tab" }).find((w) => w.location.href === u);
      return view && view.document.body && view.document.body.dataset.server === "connected"
        ? view.document.getElementById("server-check-text").textContent : null;
    }, url), { timeout: 10000, what: 'the welcome page opened on install to say "connected"' });
    assert.match(seen, /^Connected/);
  } finally {
    await ext.close();
  }
});

test("marks appear on exactly the expected ambiguous words of a LessWrong post", { timeout: 20000 }, async () => {
  const page = await openLessWrong();
  try {
    const status = await page.evaluate(() => document.documentElement.getAttribute("data-align-lens-status"));
    assert.notEqual(status, "unsupported", "the content script says this Firefox lacks the CSS Custom Highlight API");
    await waitReady(page, EXPECTED_AMBIGUOUS.length);
    const state = await page.evaluate(lensState);
    assert.deepEqual(state.marks, EXPECTED_AMBIGUOUS);
    assert.equal(state.count, String(EXPECTED_AMBIGUOUS.length));
    assert.deepEqual((await page.evaluate(lensState, "align-clear")).marks, []); // clear uses are off by default
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});

test("clicking a mark opens its card with the server's question; Escape closes it", { timeout: 20000 }, async () => {
  const page = await openLessWrong();
  try {
    await waitReady(page, EXPECTED_AMBIGUOUS.length);
    assert.equal(await page.evaluate(cardState), null);
    const point = await page.evaluate(markPoint, "p-progress");
    assert.ok(point, "no mark in #p-progress");
    await page.mouse.click(point.x, point.y);
    await waitFor(page, cardState, undefined, { what: "the card to open" });

    // what the server says about this use, asked directly
    const sentence = await page.evaluate(() => document.getElementById("p-progress").textContent);
    const reply = await api.post("/api/v1/analyze", {
      blocks: [{ id: "b", text: sentence }], page: { url: POST, title: "t" },
    });
    const finding = reply.blocks[0].findings.find((f) => f.text === "alignment" && f.sense === "ambiguous");
    assert.ok(finding && finding.question, `the server flags no ambiguous use in: ${sentence}`);
    const title = (await api.get("/api/v1/rules")).rules.find((r) => r.id === finding.rule).title;

    // the rule's title replaces its id once the card has the rule list
    const card = await until(async () => {
      const c = await page.evaluate(cardState);
      return c && c.why.includes(title) ? c : null;
    }, { what: `the card to name the rule "${title}"` });
    assert.equal(card.visible, true);
    assert.equal(card.question, finding.question);
    assert.match(card.text, /Product alignment/);
    assert.match(card.text, /Superintelligence alignment/);
    assert.equal(card.active, 1, "the use the card is about is marked active");

    await page.keyboard.press("Escape");
    await until(async () => (await page.evaluate(cardState)) === null, { what: "the card to close" });
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});

test("the options page lists every rule the server reports", { timeout: 20000 }, async () => {
  const options = await openExtensionPage(OPTIONS);
  try {
    await waitFor(options, () => document.body.dataset.rules === "ready", undefined,
      { what: "the options page to load the rules" });
    const listed = await options.evaluate(() => [...document.querySelectorAll("#rules li")].map((li) => ({
      id: li.dataset.rule,
      text: li.textContent,
      on: li.querySelector('input[type="checkbox"]').checked,
    })));
    const rules = (await api.get("/api/v1/rules")).rules;
    assert.ok(rules.length > 0);
    assert.deepEqual(listed.map((r) => r.id), rules.map((r) => r.id));
    for (const [i, rule] of rules.entries()) {
      const title = rule.title || rule.id;
      assert.ok(listed[i].text.includes(title), `rule ${rule.id}: title "${title}" not shown`);
      assert.equal(listed[i].on, true, `rule ${rule.id}: switch state (every rule ships on)`);
    }
    // and the server field shows where the add-on is pointed, and that it answers
    assert.equal(await options.evaluate(() => document.getElementById("server-url").value), api.url);
    await options.click("#test-server");
    await waitFor(options, () => document.getElementById("server-result").textContent.startsWith("Connected"),
      undefined, { what: '"Connected" after Test connection' });
    assert.deepEqual(options.problems, []);
  } finally {
    await options.close();
  }
});

test("server off: no marks and no errors, an \"off\" badge and \"–\" in the popup; back on: the marks return without a reload", { timeout: 60000 }, async () => {
  await api.stop();
  assert.equal(await api.healthy(), false);
  const page = await openLessWrong(`${LW}/posts/fx2/while-the-server-is-off`);
  try {
    await waitFor(page, () => document.documentElement.getAttribute("data-align-lens-status") === "offline",
      undefined, { what: 'status "offline"' });
    // it stays quiet through its first retries (after 0.5 s, then 1 s more)
    await sleep(1700);
    let state = await page.evaluate(lensState);
    assert.equal(state.status, "offline");
    assert.deepEqual(state.marks, []);
    assert.ok(!(Number(state.count) > 0), `count ${state.count} while the server is off`);
    assert.deepEqual(page.problems, []);
    // the badge says "off" on grey, the popup that the server is off, with the command, and "–"
    const ext = await openExtensionPage(OPTIONS);
    const tabId = await tabIdOf(ext, `${LW}/posts/fx2/while-the-server-is-off`);
    assert.deepEqual(await until(async () => {
      const b = await badgeOf(ext, tabId);
      return b.text === "off" ? b : null;
    }, { what: 'the badge to read "off"' }), { text: "off", color: [107, 107, 107, 255] });
    const popup = await popupState(tabId);
    assert.equal(popup.server, "offline");
    assert.deepEqual(popup.counts, ["–", "–", "–", "–"]);
    assert.match(popup.offlineHelp, /pip install -r requirements\.txt && python -m server/);
    // the extension pages opened as tabs hid the post's tab, and a hidden tab waits to be seen
    // before it retries: show it again
    await page.bringToFront();

    await api.start(); // the same port again
    // no reload: the page retries on its own, backing off up to 8 s between tries
    await waitReady(page, EXPECTED_AMBIGUOUS.length, 12000);
    state = await page.evaluate(lensState);
    assert.deepEqual(state.marks, EXPECTED_AMBIGUOUS);
    assert.deepEqual(page.problems, []);
    const back = await until(async () => {
      const b = await badgeOf(ext, tabId);
      return b.text === String(EXPECTED_AMBIGUOUS.length) ? b : null;
    }, { what: "the badge to show the count again" });
    assert.deepEqual(back.color, [154, 115, 40, 255]);
    assert.equal((await popupState(tabId)).counts[0], String(EXPECTED_AMBIGUOUS.length));
    await ext.close();
  } finally {
    await page.close();
  }
});
