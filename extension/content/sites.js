// What only particular sites need: one entry per forum platform, with the selectors of its own
// markup that must never be read (spoilers, which a highlight would reveal; the editors, which
// belong to the user). Selectors every site needs (code, math, navigation) stay in extract.js.
(function (root) {
  "use strict";
  const NS = (root.AlignLens = root.AlignLens || {});

  const PLATFORMS = [
    {
      name: "ForumMagnum (LessWrong, Alignment Forum, EA Forum)",
      hosts: /(?:^|\.)(?:lesswrong\.com|alignmentforum\.org|forum\.effectivealtruism\.org)$/,
      skip: [".spoilers", ".spoiler", ".spoiler-v2", ".ck-editor__editable", ".LexicalContentEditable-root"],
      // the draft checker (drafts.js): rich editors' editable roots, and Markdown users' textareas
      editors: { rich: [".ck-editor__editable", ".LexicalContentEditable-root[contenteditable]"], plain: ["form textarea"] },
    },
    {
      name: "GreaterWrong",
      hosts: /(?:^|\.)greaterwrong\.com$/,
      // it shows LessWrong's own post HTML, spoiler classes included; its editor is a <textarea>
      skip: [".spoilers", ".spoiler", ".spoiler-v2"],
      editors: { rich: [], plain: ["form textarea"] },
    },
  ];

  function platformFor(host) {
    return PLATFORMS.find((p) => p.hosts.test(host)) || null;
  }

  // A host of no known platform (a site the user added: a mirror, an archive, a local copy) may
  // carry any of their markup, so it gets every platform's selectors.
  function skipSelectors(host) {
    const platform = platformFor(host);
    if (platform) return platform.skip.slice();
    return [...new Set(PLATFORMS.flatMap((p) => p.skip))];
  }

  // The draft checker's editors on this host: {rich: [selectors of contenteditable roots], plain:
  // [selectors of textareas]}; an unknown host gets every platform's. (Generic contenteditable
  // roots and textareas in forms are found on every site: see drafts.js.)
  function editorSelectors(host) {
    const platform = platformFor(host);
    const list = platform ? [platform] : PLATFORMS;
    const uniq = (key) => [...new Set(list.flatMap((p) => (p.editors && p.editors[key]) || []))];
    return { rich: uniq("rich"), plain: uniq("plain") };
  }

  NS.sites = { PLATFORMS, platformFor, skipSelectors, editorSelectors };
  if (typeof module !== "undefined" && module.exports) module.exports = NS.sites;
})(typeof globalThis !== "undefined" ? globalThis : this);
