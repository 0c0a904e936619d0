// Options page: what the reader turned off or dismissed (each can be put back) and the reports
// of wrong marks they made (deletable, exported as JSONL for `python -m server evaluate`).
(function () {
  "use strict";
  const S = globalThis.AlignLensSettings;
  const $ = (id) => document.getElementById(id);
  const REPORTS = "reports";
  let titles = {};

  const el = (tag, props, ...children) => {
    const e = Object.assign(document.createElement(tag), props || {});
    e.append(...children);
    return e;
  };
  const button = (text, onClick, extra) => {
    const b = el("button", Object.assign({ type: "button", textContent: text }, extra || {}));
    b.addEventListener("click", onClick);
    return b;
  };
  // the sentence with the word in bold (the first time it occurs)
  const quote = (sentence, word) => {
    const q = el("span", { className: "quote" });
    const at = word ? sentence.indexOf(word) : -1;
    if (at < 0) q.append(`“${sentence}”`);
    else q.append("“", sentence.slice(0, at), el("b", { textContent: word }), sentence.slice(at + word.length), "”");
    return q;
  };

  // ---- rules turned off ----
  async function renderOff() {
    const settings = await S.load();
    const list = $("off-rules");
    list.textContent = "";
    for (const id of settings.disabledRules) {
      const li = el("li", {}, el("span", { className: "what", textContent: titles[id] || id }));
      li.dataset.rule = id;
      li.append(button("Turn back on", () => S.update((cur) => ({
        disabledRules: cur.disabledRules.filter((r) => r !== id),
      })), { className: "restore" }));
      list.append(li);
    }
    $("off-empty").hidden = settings.disabledRules.length > 0;
  }

  // ---- uses dismissed, by page ----
  async function renderDismissed() {
    const all = await chrome.storage.local.get(null);
    const pages = Object.keys(all).filter((k) => k.startsWith("dismissed:") && Array.isArray(all[k]) && all[k].length).sort();
    const list = $("dismissed");
    list.textContent = "";
    for (const key of pages) {
      const url = key.slice("dismissed:".length);
      const entries = all[key];
      const title = (entries.find((e) => e && e.title) || {}).title;
      const li = el("li", { className: "page" });
      li.dataset.page = url;
      li.append(el("div", { className: "where" }, title ? `${title} · ` : "", el("span", { className: "muted small", textContent: url })));
      const uses = el("ul", { className: "uses" });
      for (const entry of entries) {
        const useKey = typeof entry === "string" ? entry : entry.key;
        const row = el("li");
        row.dataset.key = useKey;
        if (typeof entry === "string") row.append(el("span", { className: "muted", textContent: "A use dismissed before this list existed" }));
        else row.append(quote(entry.sentence || entry.word || "", entry.word));
        row.append(button("Restore", async () => {
          const now = (await chrome.storage.local.get(key))[key] || [];
          const left = now.filter((e) => (typeof e === "string" ? e : e && e.key) !== useKey);
          if (left.length) await chrome.storage.local.set({ [key]: left });
          else await chrome.storage.local.remove(key);
        }, { className: "restore" }));
        uses.append(row);
      }
      li.append(uses);
      list.append(li);
    }
    $("dismissed-empty").hidden = pages.length > 0;
  }

  // ---- reports ----
  async function reports() {
    const got = await chrome.storage.local.get(REPORTS);
    return Array.isArray(got[REPORTS]) ? got[REPORTS] : [];
  }

  // One line per report, in the labelled-set format server/evaluate.py reads.
  function toJsonl(list) {
    return list.map((r) => JSON.stringify({
      id: r.id, text: r.text, source_group: r.page, source: r.page, labels: r.labels,
      reported_word: r.word, engine_sense: r.decided, engine_rule: r.rule,
    })).join("\n") + (list.length ? "\n" : "");
  }

  async function renderReports() {
    const list = $("reports");
    const all = await reports();
    list.textContent = "";
    for (const r of all) {
      const li = el("li");
      li.dataset.id = r.id;
      li.append(quote(r.text, r.word),
        el("div", { className: "muted small", textContent:
          `Marked ${r.decided} (${titles[r.rule] || r.rule}); you said ${r.reported}. ${r.page}` }),
        button("Delete", async () => {
          const now = await reports();
          await chrome.storage.local.set({ [REPORTS]: now.filter((x) => x.id !== r.id) });
        }, { className: "delete" }));
      list.append(li);
    }
    $("reports-empty").hidden = all.length > 0;
    $("export-reports").disabled = !all.length;
  }

  $("export-reports").addEventListener("click", async () => {
    const blob = new Blob([toJsonl(await reports())], { type: "application/x-ndjson" });
    const a = el("a", { href: URL.createObjectURL(blob), download: "alignment-lens-reports.jsonl" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  });

  function renderAll() {
    return Promise.all([renderOff(), renderDismissed(), renderReports()]).then(() => {
      document.body.dataset.lists = "ready";
    });
  }

  chrome.storage.onChanged.addListener((changes, area) => {
    if (area !== "local") return;
    const keys = Object.keys(changes);
    if (keys.includes(S.STORAGE_KEY)) renderOff();
    if (keys.some((k) => k.startsWith("dismissed:"))) renderDismissed();
    if (keys.includes(REPORTS)) renderReports();
  });

  // rule titles for the lists (the ids are shown until the server answers)
  chrome.runtime.sendMessage({ type: "rules" }).catch(() => null).then((reply) => {
    if (reply && reply.ok) titles = Object.fromEntries(reply.rules.map((r) => [r.id, r.title || r.id]));
    renderAll();
  });
  renderAll();

  globalThis.AlignLensLists = { toJsonl };
})();
