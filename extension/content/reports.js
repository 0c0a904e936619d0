// "This mark is wrong": the reader picks the sense they think right, from the card. Reports stay
// in chrome.storage.local (key "reports") until the reader exports or deletes them in the options
// page; nothing is sent anywhere.
//
// A report is one labelled sentence in the format `python -m server evaluate` reads: the text is
// the mark's sentence, and the labels give one sense per align-family word in it, found with
// evaluate.py's own pattern. The reported word takes the reader's sense; every other align word
// in the sentence takes the sense the engine gave it on this page (an ambiguous finding over it,
// else the first finding over it, else "none"), as evaluate.py reads the engine's answer.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});

  const KEY = "reports";
  const MAX_REPORTS = 500;
  const SENSES = ["ambiguous", "product", "superintelligence", "specific", "none"];
  // server/evaluate.py's ALIGN_WORD, with Python's Unicode \b and \w
  const ALIGN_WORD = /(?<![\p{L}\p{N}_])(?:mis|un|non-?|re|pre|co|super)?align[\p{L}\p{N}_]*/giu;

  // Where item.sentence() sits in its block: [start, end) covering the finding, or null.
  function sentenceSpan(text, sentence, f) {
    const core = sentence.replace(/^…/, "").replace(/…$/, "").trim();
    if (!core) return null;
    let at = text.indexOf(core);
    while (at >= 0) {
      if (at <= f.start && at + core.length >= f.end) return [at, at + core.length];
      at = text.indexOf(core, at + 1);
    }
    return null;
  }

  function senseOver(findings, start, end) {
    const over = findings.filter((g) => g.start < end && start < g.end && SENSES.includes(g.sense));
    const amb = over.find((g) => g.sense === "ambiguous");
    return (amb || over[0] || { sense: "none" }).sense;
  }

  // The labelled sentence for a report on item with sense `reported`; findings: every finding
  // the server gave the item's block.
  function labelled(item, reported, findings) {
    const f = item.finding;
    const text = item.block.text;
    let span = sentenceSpan(text, item.sentence(), f);
    if (!span) span = [f.start, f.end];
    const sentence = text.slice(span[0], span[1]);
    const labels = [];
    let wordIndex = -1;
    for (const m of sentence.matchAll(ALIGN_WORD)) {
      const start = span[0] + m.index;
      const end = start + m[0].length;
      if (start < f.end && f.start < end) {
        if (wordIndex < 0) wordIndex = labels.length;
        labels.push(reported);
      } else {
        labels.push(senseOver(findings || [], start, end));
      }
    }
    return { text: sentence, labels, wordIndex };
  }

  class Reports {
    // findingsOf(text): the server's findings for a block's text (the scanner's)
    constructor(findingsOf) {
      this.findingsOf = findingsOf;
    }

    async add(item, reported, pageUrl) {
      if (!SENSES.includes(reported) || !item.block || typeof item.block.text !== "string") return false;
      const f = item.finding;
      let got;
      try {
        got = labelled(item, reported, this.findingsOf(item.block.text));
      } catch (_) {
        return false;
      }
      const { text, labels, wordIndex } = got;
      if (wordIndex < 0) return false;
      const report = {
        id: `report-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
        page: pageUrl, title: document.title.slice(0, 200), word: f.text, text, labels, wordIndex,
        decided: f.sense, rule: f.rule, reported, at: Date.now(),
      };
      try {
        const got = await chrome.storage.local.get(KEY);
        const list = Array.isArray(got[KEY]) ? got[KEY] : [];
        list.push(report);
        await chrome.storage.local.set({ [KEY]: list.slice(-MAX_REPORTS) });
        return true;
      } catch (_) {
        return false;
      }
    }
  }

  NS.reports = { Reports, labelled, sentenceSpan, ALIGN_WORD, SENSES, KEY };
})();
