// Settings: defaults and validation of what is stored (the one source of truth).
// Loaded as a classic script by the service worker, popup, options and content scripts,
// and by `node --test` through module.exports.
(function (root) {
  "use strict";

  const VERSION = 2; // of the stored shape (2 since the first release; nothing older exists)
  const STORAGE_KEY = "settings";
  const NOTICE_KEY = "settingsNotice"; // what the last repair did to stored rule ids
  const DEFAULT_SERVER_URL = "http://127.0.0.1:8765";

  // The built-in sites are the hosts the manifest's content scripts match: the manifest is the one
  // list. `manifest` is what chrome.runtime.getManifest() returns.
  function hostsFromManifest(manifest) {
    const out = [];
    for (const script of (manifest && manifest.content_scripts) || []) {
      for (const pattern of script.matches || []) {
        const m = /^[a-z*]+:\/\/([^/]+)\//.exec(pattern);
        if (m && !m[1].includes("*") && !out.includes(m[1])) out.push(m[1]);
      }
    }
    return out;
  }

  let builtIn = null;
  function builtInSites() {
    if (!builtIn) {
      const runtime = typeof chrome !== "undefined" && chrome.runtime;
      builtIn = Object.freeze(hostsFromManifest(runtime && runtime.getManifest ? runtime.getManifest() : null));
    }
    return builtIn;
  }

  function isPlainObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }

  // The API client only has host permission for the loopback names.
  function normalizeServerUrl(value) {
    if (typeof value !== "string") return null;
    let url;
    try {
      url = new URL(value.trim());
    } catch (_) {
      return null;
    }
    if (url.protocol !== "http:") return null;
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") return null;
    return `${url.protocol}//${url.host}`;
  }

  // "https://Example.org/path" or "example.org" -> "example.org"; null when not a host.
  function normalizeHost(value) {
    if (typeof value !== "string") return null;
    let text = value.trim().toLowerCase();
    if (!text) return null;
    if (!/^[a-z][a-z0-9+.-]*:\/\//.test(text)) text = "http://" + text;
    let url;
    try {
      url = new URL(text);
    } catch (_) {
      return null;
    }
    const host = url.hostname;
    if (!host || !/^[a-z0-9.-]+$/.test(host) || host.startsWith(".") || host.endsWith(".")) return null;
    return host;
  }

  function stringList(value, normalizeItem) {
    if (!Array.isArray(value)) return [];
    const seen = new Set();
    const out = [];
    for (const item of value) {
      const v = normalizeItem(item);
      if (v && !seen.has(v)) {
        seen.add(v);
        out.push(v);
      }
    }
    return out;
  }

  // A rule id as the server defines it (server/rule.schema.json "id", server/openapi.json RuleId,
  // and POST /api/v1/analyze's check of disabled_rules): lowercase letters and digits in words
  // joined by single "-", at most 64 characters. An id outside this is answered with a 400 for
  // the whole request, so the extension never stores or sends one. tests/browser/js/settings.test.js
  // reads both server files and checks a table of ids against them; test_browser_state.py asks the
  // real server.
  const RULE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  const RULE_ID_MAX = 64;
  const isRuleId = (v) => typeof v === "string" && v.length <= RULE_ID_MAX && RULE_ID.test(v);

  // A stored id the server would refuse -> the id it most likely meant, or null to drop it:
  // case and "_", "." or spaces between words are repaired ("Old_Rule" -> "old-rule"); anything
  // else ("bad id!") is dropped.
  function repairRuleId(v) {
    if (typeof v !== "string") return null;
    if (isRuleId(v)) return v;
    const fixed = v.trim().toLowerCase().replace(/[\s_.]+/g, "-");
    return isRuleId(fixed) ? fixed : null;
  }

  // What normalize() did to the stored rule ids: {repaired: [[from, to]], dropped: [ids]}.
  function ruleIdChanges(raw) {
    const out = { repaired: [], dropped: [] };
    const src = isPlainObject(raw) ? raw : {};
    for (const key of ["disabledRules"]) {
      if (!Array.isArray(src[key])) continue;
      for (const v of src[key]) {
        if (isRuleId(v)) continue;
        const fixed = repairRuleId(v);
        const shown = typeof v === "string" ? v : JSON.stringify(v);
        if (fixed) {
          if (!out.repaired.some(([from]) => from === shown)) out.repaired.push([shown, fixed]);
        } else if (!out.dropped.includes(shown)) {
          out.dropped.push(shown);
        }
      }
    }
    return out;
  }

  // Any stored value -> a complete, valid settings object. Never throws.
  function normalize(raw) {
    const src = isPlainObject(raw) ? raw : {};
    return {
      version: VERSION,
      serverUrl: normalizeServerUrl(src.serverUrl) || DEFAULT_SERVER_URL,
      disabledRules: stringList(src.disabledRules, repairRuleId), // rule ids the user turned off
      showClear: src.showClear === true,                    // also mark qualified product / SI uses
      checkDrafts: src.checkDrafts !== false,               // check the user's own drafts in editors (on unless turned off)
      // hosts the user added (content scripts registered at run time)
      extraSites: stringList(src.extraSites, normalizeHost).filter((h) => !builtInSites().includes(h)),
      disabledHosts: stringList(src.disabledHosts, normalizeHost), // hosts switched off by the user
    };
  }

  // Same settings, whatever the order of their keys: chrome.storage hands objects back with their
  // keys sorted, so comparing JSON text would see a change in every stored value.
  function sameSettings(a, b) {
    const canonical = (o) => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
    return isPlainObject(a) && isPlainObject(b) && canonical(a) === canonical(b);
  }

  // Browser helpers (not available under node).
  async function load() {
    const got = await chrome.storage.local.get(STORAGE_KEY);
    const raw = got[STORAGE_KEY];
    const settings = normalize(raw);
    // Repair a corrupt object in place. Only a real change is written: a read that wrote would
    // race with a save made elsewhere at the same moment and put the old value back. (A missing
    // object needs no write either: the defaults apply.)
    if (raw !== undefined && !sameSettings(raw, settings)) {
      const changes = ruleIdChanges(raw);
      const items = { [STORAGE_KEY]: settings };
      // The options page says what was done to rule ids the server would have refused.
      if (changes.repaired.length || changes.dropped.length) items[NOTICE_KEY] = Object.assign({ at: Date.now() }, changes);
      try {
        await chrome.storage.local.set(items);
      } catch (_) { /* storage full or gone: the normalized copy still works */ }
    }
    return settings;
  }

  async function update(patch) {
    const current = await load();
    const next = normalize(Object.assign({}, current, typeof patch === "function" ? patch(current) : patch));
    await chrome.storage.local.set({ [STORAGE_KEY]: next });
    return next;
  }

  // The rule ids to send as disabled_rules, given the server's rule list (may be null). Only ids
  // the server refuses nothing of: those in its list when it is known, and always ones of its form.
  function disabledRuleIds(settings, rules) {
    const out = new Set(settings.disabledRules); // every rule ships on: only the user's choices
    const known = Array.isArray(rules) ? new Set(rules.filter((r) => r && isRuleId(r.id)).map((r) => r.id)) : null;
    return [...out].filter((id) => isRuleId(id) && (!known || known.has(id)));
  }

  function ruleEnabled(settings, rule) {
    return !settings.disabledRules.includes(rule.id);
  }

  function hostEnabled(settings, host) {
    return !settings.disabledHosts.includes(host);
  }

  function isSiteCovered(settings, host) {
    return builtInSites().includes(host) || settings.extraSites.includes(host);
  }

  const api = {
    VERSION,
    STORAGE_KEY,
    NOTICE_KEY,
    DEFAULT_SERVER_URL,
    RULE_ID,
    RULE_ID_MAX,
    isRuleId,
    repairRuleId,
    ruleIdChanges,
    builtInSites,
    hostsFromManifest,
    normalize,
    normalizeHost,
    normalizeServerUrl,
    load,
    update,
    hostEnabled,
    isSiteCovered,
    disabledRuleIds,
    ruleEnabled,
  };
  root.AlignLensSettings = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
