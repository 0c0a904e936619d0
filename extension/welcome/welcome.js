// Welcome page (opened once on install; linked from the popup and options): copy buttons for the
// start commands and a live check of the server, asked through the worker as the popup asks.
(function () {
  "use strict";
  const S = globalThis.AlignLensSettings;
  const $ = (id) => document.getElementById(id);
  const WAITING_MS = 1000;   // while waiting, ask every second
  const CONNECTED_MS = 3000; // once connected, keep an eye on it

  for (const button of document.querySelectorAll("button.copy")) {
    button.addEventListener("click", async () => {
      const text = $(button.dataset.copy).textContent;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch (_) {
        // no clipboard: select the command so Ctrl+C copies it
        const range = document.createRange();
        range.selectNodeContents($(button.dataset.copy));
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        button.textContent = "Press Ctrl+C";
      }
      setTimeout(() => { button.textContent = "Copy"; }, 2000);
    });
  }

  $("open-options").addEventListener("click", (e) => {
    e.preventDefault();
    chrome.runtime.openOptionsPage();
  });

  function show(online, reply, serverUrl) {
    const box = $("server-check");
    box.className = "check " + (online ? "connected" : "waiting");
    box.querySelector(".dot").className = "dot " + (online ? "ok" : "");
    const version = online && reply.health && reply.health.version ? ` (version ${reply.health.version})` : "";
    $("server-check-text").textContent = online
      ? `Connected: the server answers at ${serverUrl}${version}. You are ready.`
      : `Waiting for the server at ${serverUrl}… (start it with the commands above; this updates by itself)`;
    document.body.dataset.server = online ? "connected" : "waiting";
  }

  let timer = null;
  let asking = false;
  async function check() {
    if (asking) return;
    asking = true;
    clearTimeout(timer);
    timer = null;
    let reply = null;
    try {
      reply = await chrome.runtime.sendMessage({ type: "health" });
    } catch (_) { /* the worker is starting */ }
    const settings = await S.load().catch(() => S.normalize(null));
    const online = !!(reply && reply.ok);
    show(online, reply, settings.serverUrl);
    asking = false;
    if (!document.hidden) timer = setTimeout(check, online ? CONNECTED_MS : WAITING_MS);
  }

  // A tab in the background does not poll; it asks again when it is looked at.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && !timer) check();
  });
  check();
})();
