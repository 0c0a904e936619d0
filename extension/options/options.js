// Options page: rule toggles built from GET /api/v1/rules, display, server URL, sites.
(function () {
  "use strict";
  const S = globalThis.AlignLensSettings;
  const $ = (id) => document.getElementById(id);
  let settings = S.normalize(null);
  let rules = null;

  const send = (message) => chrome.runtime.sendMessage(message).catch(() => null);

  function setResult(el, text, ok) {
    el.textContent = text;
    el.className = ok === undefined ? "muted" : ok ? "ok" : "bad";
  }

  // ---- rules ----
  async function loadRules() {
    const reply = await send({ type: "rules" });
    if (!reply || !reply.ok) {
      rules = null;
      $("rules-status").hidden = false;
      $("rules-status").innerHTML = "";
      $("rules-status").append(
        "The server is not reachable, so the rules cannot be listed. Start it with ",
        Object.assign(document.createElement("code"), { textContent: "pip install -r requirements.txt && python -m server" }),
        " in the repository's folder, then ",
      );
      const retry = Object.assign(document.createElement("button"), { textContent: "Retry", id: "retry-rules" });
      retry.addEventListener("click", loadRules);
      $("rules-status").append(retry);
      document.body.dataset.rules = "offline";
      return;
    }
    rules = reply.rules;
    $("rules-status").hidden = true;
    renderRules();
    document.body.dataset.rules = "ready";
  }

  function renderRules() {
    if (!rules) return;
    const list = $("rules");
    list.textContent = "";
    for (const rule of rules) {
      const li = document.createElement("li");
      li.dataset.rule = rule.id;
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = `rule-${rule.id}`;
      box.checked = S.ruleEnabled(settings, rule);
      box.addEventListener("change", () => toggleRule(rule, box.checked));
      const title = document.createElement("label");
      title.className = "title";
      title.htmlFor = box.id;
      title.textContent = rule.title || rule.id;
      const sense = document.createElement("span");
      sense.className = "sense";
      sense.textContent = rule.sense || "";
      title.append(sense);
      const desc = document.createElement("div");
      desc.className = "desc";
      desc.textContent = rule.description || "";
      li.append(box, title, desc);
      if (rule.example) {
        const ex = document.createElement("div");
        ex.className = "example";
        ex.textContent = `e.g. “${rule.example}”`;
        li.append(ex);
      }
      list.append(li);
    }
  }

  function toggleRule(rule, on) {
    return S.update((cur) => {
      const disabled = cur.disabledRules.filter((id) => id !== rule.id);
      if (!on) disabled.push(rule.id);
      return { disabledRules: disabled };
    });
  }

  // ---- server ----
  $("save-server").addEventListener("click", async () => {
    const url = S.normalizeServerUrl($("server-url").value);
    if (!url) {
      setResult($("server-result"), "Use an http://127.0.0.1:PORT or http://localhost:PORT address.", false);
      return;
    }
    await S.update({ serverUrl: url });
    setResult($("server-result"), "Saved.", true);
    loadRules();
  });

  $("test-server").addEventListener("click", async () => {
    const url = S.normalizeServerUrl($("server-url").value);
    if (!url) {
      setResult($("server-result"), "Use an http://127.0.0.1:PORT or http://localhost:PORT address.", false);
      return;
    }
    setResult($("server-result"), "Testing…");
    const reply = await send({ type: "health", serverUrl: url });
    if (reply && reply.ok) {
      const h = reply.health || {};
      setResult($("server-result"), `Connected: version ${h.version || "?"}, spaCy ${h.spacy_version || "?"}.`, true);
    } else {
      setResult($("server-result"), `Not reachable (${(reply && reply.error) || "no answer"}).`, false);
    }
  });

  // ---- display ----
  $("show-clear").addEventListener("change", (e) => S.update({ showClear: e.target.checked }));
  $("check-drafts").addEventListener("change", (e) => S.update({ checkDrafts: e.target.checked }));

  // ---- sites ----
  function renderSites() {
    const list = $("sites");
    list.textContent = "";
    const row = (host, builtIn) => {
      const li = document.createElement("li");
      li.dataset.host = host;
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = S.hostEnabled(settings, host);
      box.title = "On for this site";
      box.setAttribute("aria-label", `On for ${host}`);
      box.addEventListener("change", () => S.update((cur) => ({
        disabledHosts: box.checked ? cur.disabledHosts.filter((h) => h !== host) : [...cur.disabledHosts, host],
      })));
      const name = Object.assign(document.createElement("span"), { className: "host", textContent: host });
      li.append(box, name);
      if (builtIn) {
        li.append(Object.assign(document.createElement("span"), { className: "tag", textContent: "built in" }));
      } else {
        const remove = Object.assign(document.createElement("button"), { textContent: "Remove" });
        remove.addEventListener("click", async () => {
          await S.update((cur) => ({ extraSites: cur.extraSites.filter((h) => h !== host) }));
          await send({ type: "sync-sites" });
          // give the permission back too (the loopback hosts stay: the server lives there)
          if (host !== "127.0.0.1" && host !== "localhost") {
            chrome.permissions.remove({ origins: [`https://${host}/*`, `http://${host}/*`] }).catch(() => {});
          }
        });
        li.append(remove);
      }
      list.append(li);
    };
    S.builtInSites().forEach((h) => row(h, true));
    settings.extraSites.forEach((h) => row(h, false));
  }

  $("add-site").addEventListener("submit", async (e) => {
    e.preventDefault();
    const raw = $("site-input").value;
    const host = S.normalizeHost(raw);
    if (!host) {
      setResult($("site-result"), "That does not look like a site address.", false);
      return;
    }
    if (S.builtInSites().includes(host)) {
      setResult($("site-result"), `${host} is built in.`, true);
      return;
    }
    const loopback = host === "127.0.0.1" || host === "localhost";
    const origins = loopback ? [`http://${host}/*`] : [`https://${host}/*`, `http://${host}/*`];
    // Must run inside the click: the browser asks the user now.
    let granted = false;
    try {
      granted = await chrome.permissions.request({ origins });
    } catch (err) {
      setResult($("site-result"), `Could not ask for permission: ${err.message || err}`, false);
      return;
    }
    if (!granted) {
      setResult($("site-result"), "Permission not granted.", false);
      return;
    }
    await S.update((cur) => ({ extraSites: [...cur.extraSites, host] }));
    const reply = await send({ type: "sync-sites" });
    $("site-input").value = "";
    setResult($("site-result"), reply && reply.ok ? `Added ${host}.` : `Added ${host}; reload its pages.`, true);
    document.body.dataset.lastAdded = host;
  });

  // ---- fill in and follow changes ----
  function render() {
    $("show-clear").checked = settings.showClear;
    $("check-drafts").checked = settings.checkDrafts;
    if (document.activeElement !== $("server-url")) $("server-url").value = settings.serverUrl;
    renderRules();
    renderSites();
  }

  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === "local" && changes[S.STORAGE_KEY]) {
      settings = S.normalize(changes[S.STORAGE_KEY].newValue);
      render();
    }
  });

  // ---- stored rule ids the server would refuse (settings.js repaired or dropped them) ----
  async function showSettingsNotice() {
    const got = await chrome.storage.local.get(S.NOTICE_KEY).catch(() => ({}));
    const notice = got[S.NOTICE_KEY];
    const box = $("settings-notice");
    box.hidden = !notice;
    box.textContent = "";
    if (!notice) return;
    const parts = [];
    if ((notice.repaired || []).length) {
      parts.push(`repaired ${notice.repaired.map(([from, to]) => `“${from}” to “${to}”`).join(", ")}`);
    }
    if ((notice.dropped || []).length) parts.push(`dropped ${notice.dropped.map((id) => `“${id}”`).join(", ")}`);
    const ok = Object.assign(document.createElement("button"), { textContent: "OK", id: "settings-notice-ok" });
    ok.addEventListener("click", () => chrome.storage.local.remove(S.NOTICE_KEY));
    box.append(`Your stored settings held rule ids the server does not accept (a rule id is lowercase words joined by “-”): ${parts.join("; ")}. Pages are checked again with the rest of your settings. `, ok);
    document.body.dataset.notice = "shown";
  }
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === "local" && changes[S.NOTICE_KEY]) showSettingsNotice();
  });

  $("reset-rules").addEventListener("click", () => S.update({ disabledRules: [] }));

  S.load().then((s) => {
    settings = s;
    render();
    loadRules();
    showSettingsNotice();
  });
})();
